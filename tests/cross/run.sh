#!/usr/bin/env bash
# The arm64 image of a cross-built board (default nanopi-r2s), run under
# user-mode qemu against the same inputs as the native tests:
#   1. tools/sysroot + make BOARD=<board> (timed; only what is missing is
#      built), and `file` must call the image ARM aarch64;
#   2. tests/replay/test_replay.py and tests/replay/test_lab.py with the arm64
#      image as LEAKTAP_BIN: every assertion the native build meets; and the
#      cmocka unit tests built for the board's CPU (make BOARD=<board> units,
#      no sanitizers) run under qemu;
#   3. tests/cross/compare.py: alerts, flows and summaries of the arm64 image
#      and the native release image on nDPI's captures, the lab corpus and the
#      replay captures, and the --check-config cases, compared;
#   4. the board's systemd unit passes systemd-analyze verify.
# qemu-aarch64 is called with -L <sysroot> (no binfmt registration needed).
#
#   tests/cross/run.sh [BOARD]
#
# Expects the native release image (make release) and the inputs tests/run
# prepares first (tests/prepare.sh, the lab corpus). Ends with
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
top=$PWD
PY=/usr/bin/python3
board=${1:-nanopi-r2s}
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "PASS $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}
finish() {
	echo
	echo "$pass passed, $fail failed"
	((fail == 0))
	exit
}
# Add a sub-suite's "N passed, N failed" to ours; no such line is a failure.
add_counts() { # log rc
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		bad "$(basename "$1" .log): no result line (exit $2)"
		return
	fi
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "     $(basename "$1" .log): $line"
}

defconfig=board/$board/defconfig
[ -f "$defconfig" ] || {
	bad "no board $board"
	finish
}
arch=$(sed -n 's/^CONFIG_SYSROOT_ARCH="\(.*\)"/\1/p' "build/$board/.config" 2>/dev/null)
out=build/$board
logs=build/test-cross
mkdir -p "$logs"

# --- 1. sysroot and cross build --------------------------------------------
t0=$SECONDS
if make -s BOARD="$board" "build/$board/.config" >"$logs/build.log" 2>&1; then
	arch=$(sed -n 's/^CONFIG_SYSROOT_ARCH="\(.*\)"/\1/p' "build/$board/.config")
fi
[ -n "$arch" ] || {
	bad "build/$board/.config names no SYSROOT_ARCH (not a cross board?)"
	finish
}
if tools/sysroot "$arch" >>"$logs/build.log" 2>&1; then
	ok "sysroot build/sysroot-$arch ($((SECONDS - t0)) s)"
else
	bad "tools/sysroot $arch failed: $(tail -n 1 "$logs/build.log")"
	finish
fi
t1=$SECONDS
if make -s -j"$(nproc)" BOARD="$board" >>"$logs/build.log" 2>&1; then
	ok "make BOARD=$board ($((SECONDS - t1)) s)"
else
	tail -n 20 "$logs/build.log"
	bad "make BOARD=$board failed"
	finish
fi
img=$out/leaktap
case "$arch" in
arm64) qemu=qemu-aarch64 want='ARM aarch64' ;;
armhf) qemu=qemu-arm want='ARM, EABI5' ;;
riscv64) qemu=qemu-riscv64 want='RISC-V' ;;
*) qemu='' want="?" ;;
esac
desc=$(file -b "$img")
if [[ "$desc" == *"$want"* ]]; then
	ok "file: $desc"
else
	bad "file says '$desc', expected '$want'"
	finish
fi
command -v "$qemu" >/dev/null || {
	bad "$qemu not found (Debian package qemu-user; tools/bootstrap installs it)"
	finish
}

# The image as one command, for the Python suites' LEAKTAP_BIN.
wrap=$out/leaktap-$qemu
printf '#!/bin/sh\nexec %s -L %s %s "$@"\n' "$qemu" "$top/build/sysroot-$arch" "$top/$img" >"$wrap"
chmod +x "$wrap"
ver=$("$wrap" --version 2>&1)
if [ "$ver" = "leaktap $("$top/build/leaktap" --version 2>/dev/null | awk '{print $2}') (board $board)" ]; then
	ok "runs under $qemu: $ver"
else
	bad "--version under $qemu said '$ver'"
	finish
fi
# The board's systemd unit, as systemd reads it, with the image in place of
# the installed path (systemd-analyze checks that ExecStart= is executable).
unit=board/$board/leaktap.service
if [ -f "$unit" ] && command -v systemd-analyze >/dev/null; then
	mkdir -p "$logs/unit"
	sed "s|/usr/local/sbin/leaktap|$top/$img|" "$unit" >"$logs/unit/leaktap.service"
	if systemd-analyze verify "$logs/unit/leaktap.service" >"$logs/unit.log" 2>&1 &&
		! grep -qiE 'unknown|ignoring|invalid' "$logs/unit.log" &&
		grep -q '^Restart=always' "$unit" && grep -q '^WatchdogSec=' "$unit"; then
		ok "systemd unit $unit (Restart=always, WatchdogSec)"
	else
		bad "systemd unit $unit: $(head -n 3 "$logs/unit.log")"
	fi
else
	bad "no $unit, or no systemd-analyze to check it"
fi
native=$top/build/leaktap
[ -x "$native" ] || {
	bad "no native build/leaktap to compare with (run make release)"
	finish
}

# --- 2. the native replay suites, on the arm64 image -----------------------
t2=$SECONDS
LEAKTAP_BIN=$top/$wrap timeout 900 "$PY" tests/replay/test_replay.py >"$logs/test_replay.log" 2>&1
add_counts "$logs/test_replay.log" $?
LEAKTAP_BIN=$top/$wrap timeout 900 "$PY" tests/replay/test_lab.py >"$logs/test_lab.log" 2>&1
add_counts "$logs/test_lab.log" $?
grep -E '^FAIL' "$logs"/test_replay.log "$logs"/test_lab.log | head -n 20
echo "     replay suites under $qemu took $((SECONDS - t2)) s"

# --- 2b. the cmocka unit tests, built for the board's CPU -------------------
t4=$SECONDS
NATIVE_ONLY="test_ledsm test_port_live test_cli"
if make -s -j"$(nproc)" BOARD="$board" units >"$logs/units-build.log" 2>&1; then
	ok "make BOARD=$board units ($((SECONDS - t4)) s)"
	for t in "$out"/test/tests/test_*; do
		name=$(basename "$t")
		# Suites that test the build host rather than the CPU: the LED state
		# machine runs on native_sim's LED table (the board's has 3 sysfs
		# LEDs), live packet sockets and pseudo-terminals are host kernel
		# features qemu-user only partly emulates. They run natively.
		case " $NATIVE_ONLY " in *" $name "*)
			echo "     $name: native only (host LED table, packet sockets, ptys)"
			continue ;;
		esac
		timeout 300 "$qemu" -L "build/sysroot-$arch" "$t" >"$logs/$name.log" 2>&1
		rc=$?
		p=$(grep -o '\[  PASSED  \] [0-9]*' "$logs/$name.log" | awk '{s+=$NF} END {print s+0}')
		f=$(grep -o '\[  FAILED  \] [0-9]*' "$logs/$name.log" | awk '{s+=$NF} END {print s+0}')
		# A skipped test checked nothing: it counts as failed, as in tests/run.
		f=$((f + $(grep -o '\[  SKIPPED \] [0-9]*' "$logs/$name.log" | awk '{s+=$NF} END {print s+0}')))
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
		pass=$((pass + p))
		fail=$((fail + f))
		if [ "$f" = 0 ]; then
			echo "     $name under $qemu: $p passed"
		else
			echo "FAIL $name under $qemu: $p passed, $f failed (exit $rc; log $logs/$name.log)"
			grep -E '^\[  (FAILED|ERROR) ' "$logs/$name.log" | head -n 5
		fi
	done
else
	tail -n 20 "$logs/units-build.log"
	bad "make BOARD=$board units failed"
fi
echo "     unit tests took $((SECONDS - t4)) s"

# --- 3. arm64 against native, input by input --------------------------------
t3=$SECONDS
timeout 1200 "$PY" tests/cross/compare.py "$native" "$top/$wrap" >"$logs/compare.log" 2>&1
add_counts "$logs/compare.log" $?
grep -E '^FAIL|^native alert' "$logs/compare.log" | head -n 40
echo "     comparison took $((SECONDS - t3)) s"
finish
