# leaktap build. `make` builds the release image build/leaktap for the board
# chosen in .config; sanitizer and fuzz builds live in build/asan and
# build/fuzz so the variants never mix. `make BOARD=<board>` for a board
# other than native_sim builds out of tree in build/<board>/, with its own
# .config and autoconf.h there (cross-compiled when the board's Kconfig sets
# CROSS_COMPILE), so it never touches the native build. See README.md.

SHELL := /bin/bash
PY := /usr/bin/python3
B := build

# The output tree: build/ for the board in .config, build/<board>/ for a
# board named on the command line.
O := $(B)
ifeq ($(origin BOARD),command line)
ifneq ($(BOARD),native_sim)
O := $(B)/$(BOARD)
endif
endif
CONFIG := $(if $(filter $(B),$(O)),.config,$(O)/.config)
AUTOCONF := $(O)/autoconf.h
export KCONFIG_CONFIG := $(CONFIG)

-include $(CONFIG)
unquote = $(patsubst "%",%,$(1))
BOARD := $(or $(call unquote,$(CONFIG_BOARD)),native_sim)
KCONFIG_FILES := Kconfig $(shell find board firmware drivers -name 'Kconfig*' 2>/dev/null)

CC := gcc
AR := ar
CLANG := clang
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wconversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wcast-align
CPPFLAGS := -D_GNU_SOURCE -Ifirmware/include -Idrivers -I$(O)
NDPI_LIBDIR := $(shell pkg-config --variable=libdir libndpi 2>/dev/null || echo /usr/lib/x86_64-linux-gnu)
NDPI_INC := -isystem /usr/include/ndpi

# --- cross build: the board's toolchain and a Debian sysroot ---------------
CROSS := $(call unquote,$(CONFIG_CROSS_COMPILE))
ifneq ($(CROSS),)
ifeq ($(O),$(B))
$(error .config selects cross board $(BOARD): build it with `make BOARD=$(BOARD)` (out of tree in build/$(BOARD)))
endif
SYSROOT_ARCH := $(call unquote,$(CONFIG_SYSROOT_ARCH))
SYSROOT := $(B)/sysroot-$(SYSROOT_ARCH)
SYSROOT_STAMP := $(SYSROOT)/.leaktap-sysroot
ifeq ($(filter bootstrap clean distclean defconfig menuconfig savedefconfig,$(MAKECMDGOALS)),)
ifeq ($(shell command -v $(CROSS)gcc),)
$(error $(CROSS)gcc not found: run tools/bootstrap (Debian package gcc-$(patsubst %-,%,$(CROSS))))
endif
endif
MULTIARCH := $(shell $(CROSS)gcc -print-multiarch 2>/dev/null)
CC := $(CROSS)gcc --sysroot=$(SYSROOT)
AR := $(CROSS)ar
# pkg-config answers for the sysroot's libraries, never the build host's
# (set per call: make 4.3 does not pass exported variables to $(shell)).
PKG_CONFIG := PKG_CONFIG_SYSROOT_DIR=$(abspath $(SYSROOT)) \
	PKG_CONFIG_LIBDIR=$(abspath $(SYSROOT))/usr/lib/$(MULTIARCH)/pkgconfig:$(abspath $(SYSROOT))/usr/share/pkgconfig \
	pkg-config
# Evaluated when used (the sysroot may not exist yet when make starts).
NDPI_LIBDIR = $(shell $(PKG_CONFIG) --variable=libdir libndpi)
NDPI_INC = $(patsubst -I%,-isystem %,$(shell $(PKG_CONFIG) --cflags-only-I libndpi))
endif

LIBS = $(if $(filter y,$(CONFIG_NDPI)),$(NDPI_LIBDIR)/libndpi.a -lgcrypt) \
	-lpcap -lcjson -lhttp_parser -lmbedtls -lmbedx509 -lmbedcrypto -lm

REL_CFLAGS := -O2 -g -DNDEBUG
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DCONFIG_TEST_FAULTS=1

# --- sources -------------------------------------------------------------
DET_SRC := $(if $(filter y,$(CONFIG_NDPI)),firmware/detect/det_ndpi.c,firmware/detect/det_none.c)
FUZZ_SRCS := $(wildcard firmware/*/fuzz_*.c)
FW_SRCS := $(filter-out firmware/detect/% firmware/mgmt/% $(FUZZ_SRCS),$(wildcard firmware/*/*.c)) $(DET_SRC)
DRV_SRCS := $(if $(filter y,$(CONFIG_PORT_PCAP)),$(wildcard drivers/port/port_pcap*.c)) \
	$(if $(filter y,$(CONFIG_STOR_FILE)),$(wildcard drivers/storage/stor_file*.c)) \
	$(if $(filter y,$(CONFIG_STOR_MEM)),drivers/storage/stor_mem.c) \
	$(if $(filter y,$(CONFIG_LED_SYSFS)),$(wildcard drivers/led/led_sysfs*.c)) \
	$(if $(filter y,$(CONFIG_LED_REC)),drivers/led/led_rec.c) \
	$(if $(filter y,$(CONFIG_UART_STDIO)),drivers/uart/uart_stdio.c drivers/uart/uart_tty_host.c)
# Boards that run as a Linux process share the host services in
# board/common/linux/ and, unless they have their own, native_sim's main.c.
LINUX_SRCS := $(if $(filter y,$(CONFIG_BOARD_LINUX)),$(filter-out board/common/linux/main.c,$(wildcard board/common/linux/*.c)))
BRD_SRCS := $(filter-out board/$(BOARD)/main.c,$(wildcard board/$(BOARD)/*.c)) $(LINUX_SRCS)
# The web page (firmware/web/) is embedded gzipped as a generated C file.
WEB_FILES := $(wildcard firmware/web/*)
WEB_GEN := $(B)/gen/web_assets.c
CORE_SRCS := $(FW_SRCS) $(DRV_SRCS) $(BRD_SRCS) $(WEB_GEN)
MAIN_SRC := $(or $(wildcard board/$(BOARD)/main.c),$(if $(filter y,$(CONFIG_BOARD_LINUX)),board/common/linux/main.c))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

# --- lwIP (built from Debian's source package; tools/bootstrap fetches it) --
LWIP_VER := 2.1.3
LWIPDIR := $(B)/lwip/lwip-$(LWIP_VER)/src
MGMT_SRCS := $(filter-out $(FUZZ_SRCS),$(wildcard firmware/mgmt/*.c))
ifneq ($(wildcard $(LWIPDIR)/Filelists.mk),)
include $(LWIPDIR)/Filelists.mk
LWIP_SRCS := $(COREFILES) $(CORE4FILES) $(CORE6FILES) $(NETIFFILES)
LWIP_SRCS += $(MQTTFILES)
# Apps of the management stack: mDNS responder (leaktap.local) and SNTP.
LWIP_SRCS += $(MDNSFILES) $(SNTPFILES)
# HTTPS of the web page: lwIP's altcp_tls over Debian's mbedTLS 2.28.
LWIP_SRCS += $(LWIPDIR)/apps/altcp_tls/altcp_tls_mbedtls.c \
	$(LWIPDIR)/apps/altcp_tls/altcp_tls_mbedtls_mem.c
endif
LWIP_INC := -isystem $(LWIPDIR)/include -Ifirmware/mgmt
# lwIP is foreign code: its own flags, our warnings do not apply to it.
LWIP_CFLAGS := -std=gnu99 -w

.PHONY: all release asan fuzz units test run bench defconfig menuconfig savedefconfig \
	check-layering format format-check clean distclean bootstrap

all: release

# A missing .config comes from the board's defconfig; an existing one gets
# the symbols added to Kconfig since it was written (olddefconfig keeps every
# value already chosen), so this Makefile never reads a stale .config.
$(CONFIG): $(KCONFIG_FILES)
	@mkdir -p $(@D)
	@if [ -f $@ ]; then $(PY) -m olddefconfig Kconfig; \
	else $(PY) -m defconfig --kconfig Kconfig board/$(BOARD)/defconfig; fi
	@touch $@

defconfig:
	@mkdir -p $(dir $(CONFIG))
	$(PY) -m defconfig --kconfig Kconfig board/$(BOARD)/defconfig

menuconfig:
	$(PY) -m menuconfig Kconfig

savedefconfig: $(CONFIG)
	$(PY) -m savedefconfig --kconfig Kconfig --out board/$(BOARD)/defconfig

$(AUTOCONF): $(CONFIG) $(KCONFIG_FILES)
	@mkdir -p $(@D)
	$(PY) -m genconfig --header-path $@ Kconfig
	@touch $@

$(LWIPDIR)/Filelists.mk:
	tools/bootstrap --deps-only

# Depends on the directory too, so adding or removing a file regenerates it.
$(WEB_GEN): tools/embed $(WEB_FILES) firmware/web
	$(PY) tools/embed firmware/web $@

# test_web inflates the assets with zlib to check them.
%/tests/test_web: LIBS += -lz

# --- one build variant: $(1) dir, $(2) compiler, $(3) cflags ---------------
define VARIANT
$(1)/obj/%.o: %.c $(AUTOCONF)
	@mkdir -p $$(@D)
	$(2) $(WARN) $(3) $$(CPPFLAGS) $$(if $$(findstring detect/det_ndpi,$$<),$$(NDPI_INC)) \
		$$(if $$(or $$(findstring firmware/mgmt/,$$<),$$(findstring test_lwip,$$<),$$(findstring test_mgmt,$$<),$$(findstring test_httpd,$$<),$$(findstring tests/lab/httpd,$$<)),$$(LWIP_INC)) \
		-MMD -MP -c $$< -o $$@

$(1)/lwip/%.o: %.c $(AUTOCONF) firmware/mgmt/lwipopts.h
	@mkdir -p $$(@D)
	$(2) $$(LWIP_CFLAGS) $(3) $$(CPPFLAGS) $$(LWIP_INC) -c $$< -o $$@

$(1)/liblwip.a: $$(patsubst %.c,$(1)/lwip/%.o,$$(LWIP_SRCS))
	@rm -f $$@
	$(AR) rcs $$@ $$^

$(1)/libcore.a: $$(patsubst %.c,$(1)/obj/%.o,$$(CORE_SRCS))
	@rm -f $$@
	$(AR) rcs $$@ $$^

$(1)/libmgmt.a: $$(patsubst %.c,$(1)/obj/%.o,$$(MGMT_SRCS))
	@rm -f $$@
	$(AR) rcs $$@ $$^

# libmgmt.a is linked whole: mgmt.c reaches the web server only by weak
# references, which would not pull its objects out of an archive.
$(1)/leaktap: $(1)/obj/$(MAIN_SRC:.c=.o) $(1)/libcore.a $(1)/libmgmt.a $(1)/liblwip.a
	$(2) $(3) -o $$@ $$< -Wl,--start-group $(1)/libcore.a \
		-Wl,--whole-archive $(1)/libmgmt.a -Wl,--no-whole-archive $(1)/liblwip.a \
		-Wl,--end-group $$(LIBS)

$(1)/tests/%: $(1)/obj/tests/unit/%.o $(1)/libcore.a $(1)/libmgmt.a $(1)/liblwip.a
	@mkdir -p $$(@D)
	$(2) $(3) -o $$@ $$< -Wl,--start-group $$(filter-out %/libmgmt.a,$$(filter %.a,$$^)) \
		-Wl,--whole-archive $(1)/libmgmt.a -Wl,--no-whole-archive -Wl,--end-group $$(LIBS) -lcmocka

-include $$(shell find $(1)/obj -name '*.d' 2>/dev/null)
endef

ifeq ($(O),$(B))
$(eval $(call VARIANT,$(B)/rel,$(CC),$(REL_CFLAGS)))
$(eval $(call VARIANT,$(B)/asan,$(CC),$(ASAN_CFLAGS)))

release: $(B)/leaktap $(B)/rel/liblwip.a
$(B)/leaktap: $(B)/rel/leaktap
	rm -f $@ && cp $< $@ # a new inode: a running appliance keeps its own

UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/asan/tests/%,$(UNIT_SRCS))
# Crash-safety torture of the storage driver (tests/crash/crash_safety.sh).
$(B)/asan/crash/stor_torture: $(B)/asan/obj/tests/crash/stor_torture.o $(B)/asan/libcore.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)
asan: $(B)/asan/leaktap $(UNIT_BINS) $(B)/asan/crash/stor_torture $(B)/asan/httpd_live $(B)/asan/tests/cli_host

# The web server alone on a live interface, for tests/lab/httpd_live.sh.
$(B)/asan/httpd_live: $(B)/asan/obj/tests/lab/httpd_live.o $(B)/asan/libcore.a \
		$(B)/asan/libmgmt.a $(B)/asan/liblwip.a
	$(CC) $(ASAN_CFLAGS) -o $@ $< -Wl,--start-group $(filter %.a,$^) -Wl,--end-group $(LIBS)

# The console alone over an app stand-in, for tests/console/cli_pty.py.
$(B)/asan/tests/cli_host: $(B)/asan/obj/tests/console/cli_host.o $(B)/asan/libcore.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

# --- fuzzing (clang libFuzzer + ASan/UBSan) ------------------------------
FUZZ_BINS := $(patsubst %.c,$(B)/fuzz/%,$(notdir $(FUZZ_SRCS)))
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
$(eval $(call VARIANT,$(B)/fuzz,$(CLANG),$(FUZZ_CFLAGS)))
define FUZZ_BIN
$(B)/fuzz/$(basename $(notdir $(1))): $(B)/fuzz/obj/$(1:.c=.o) $(B)/fuzz/libcore.a $(B)/fuzz/libmgmt.a \
		$(B)/fuzz/liblwip.a
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $$@ $$< -Wl,--start-group \
		$$(filter %.a,$$^) -Wl,--end-group $$(LIBS)
endef
$(foreach f,$(FUZZ_SRCS),$(eval $(call FUZZ_BIN,$(f))))
fuzz: $(FUZZ_BINS)
else
# --- `make BOARD=<board>`: one release image in build/<board>/ --------------
# The management libraries are built too, so a board build proves lwIP and
# the management plane compile for it.
$(eval $(call VARIANT,$(O),$(CC),$(REL_CFLAGS)))
release: $(O)/leaktap $(O)/liblwip.a $(O)/libmgmt.a
	@echo "$(BOARD): $(O)/leaktap"
# The unit tests for the board's CPU, to run under qemu-user: fault
# injection on like the asan variant, but no sanitizers (their runtimes do
# not work reliably under user-mode emulation). Warnings are reported but not
# errors here: the native variants enforce them on the same code, while GCC's
# flow-sensitive warnings (maybe-uninitialized, format-truncation) change
# with the target and -O level and flag test code the native builds accept.
$(eval $(call VARIANT,$(O)/test,$(CC),-O1 -g -DCONFIG_TEST_FAULTS=1 -Wno-error))
units: $(patsubst tests/unit/%.c,$(O)/test/tests/%,$(UNIT_SRCS))
asan fuzz:
	@echo "make $@ builds for the build host only (run it without BOARD=)" >&2; exit 2
ifneq ($(CROSS),)
# The sysroot is made on first use; tools/sysroot is idempotent.
$(AUTOCONF): | $(SYSROOT_STAMP)
$(SYSROOT_STAMP): tools/sysroot
	tools/sysroot $(SYSROOT_ARCH)
endif
endif

# --- top-level commands ----------------------------------------------------
bootstrap:
	tools/bootstrap

test: bootstrap
	$(MAKE) $(CONFIG)
	$(MAKE) release asan fuzz
	tests/run

run: bootstrap
	$(MAKE) $(CONFIG)
	$(MAKE) release
	LAN="$(LAN)" WAN="$(WAN)" tools/demo

bench: bootstrap
	$(MAKE) $(CONFIG)
	$(MAKE) release
	tools/bench

# The core must not know the host: only drivers and board host halves may
# include libpcap or OS networking headers; nDPI only in det_ndpi.c; lwIP only
# in firmware/mgmt.
check-layering:
	@bad=$$(grep -rlE '#include *<(pcap|sys/socket|net/|netinet/|linux/|ifaddrs)' firmware || true); \
	bad="$$bad $$(grep -rl 'ndpi' --include='*.[ch]' firmware | grep -v 'firmware/detect/det_ndpi.c' | xargs -r grep -l '#include.*ndpi' || true)"; \
	bad="$$bad $$(grep -rlE '#include *[<"]lwip/' firmware | grep -v '^firmware/mgmt/' || true)"; \
	bad="$$bad $$(grep -rl '#include *<pcap' drivers board | grep -v '_host\.c$$' || true)"; \
	bad=$$(echo $$bad); if [ -n "$$bad" ]; then echo "layering violation: $$bad"; exit 1; fi; \
	echo "layering OK"

FMT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FMT_FILES)
format-check:
	clang-format --dry-run -Werror $(FMT_FILES)

ifeq ($(O),$(B))
clean:
	rm -rf $(B)/rel $(B)/asan $(B)/fuzz $(B)/leaktap $(B)/autoconf.h $(B)/gen

distclean:
	rm -rf $(B) $(CONFIG) $(CONFIG).old
else
# A board's tree: objects and image go, its .config stays (distclean: all).
clean:
	rm -rf $(O)/obj $(O)/lwip $(O)/test $(O)/*.a $(O)/leaktap $(O)/leaktap-qemu-* $(AUTOCONF)

distclean:
	rm -rf $(O)
endif
