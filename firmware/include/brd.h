/*
 * brd: what the core needs from the board it runs on.
 *
 * The board descriptor is data (board/<name>/board.c); the few services
 * below are implemented once per board family (board/<name>/brd_*.c).
 * The core reads time and randomness only through these.
 */
#ifndef LEAKTAP_BRD_H
#define LEAKTAP_BRD_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"
#include "stor.h"

enum brd_port_role {
	BRD_PORT_LAN = 0,
	BRD_PORT_WAN,
};

/* One physical port of the board and the drivers that can back it. */
struct brd_port_desc {
	const char *name; /* "lan", "wan" */
	enum brd_port_role role;
	const char *default_dev;     /* interface on this board, or NULL */
	const struct port_ops *live; /* live interface driver */
	const struct port_ops *file; /* capture-file reader (replay), or NULL */
};

struct led_ops;
struct uart_ops;

/* One status LED: which logical LED (enum ledsm_id) a physical LED shows. */
struct brd_led_desc {
	uint8_t logical;           /* enum ledsm_id */
	const struct led_ops *ops; /* driver */
	const char *name;          /* physical LED name for the driver */
	const char *base;          /* driver parameter (sysfs class directory), or NULL */
};

/* The serial console. */
struct brd_console_desc {
	const struct uart_ops *ops; /* driver, or NULL: no console */
	const char *dev;            /* tty path; NULL: the process's stdin/stdout */
};

struct brd_desc {
	const char *name; /* board name, as in CONFIG_BOARD */
	const struct brd_port_desc *ports;
	size_t n_ports;
	const struct port_ops *recorder; /* capture-file writer for --out, or NULL */
	/* Persistent storage (config, credentials, alert journal, quarantines), or NULL. */
	const struct stor_ops *storage;
	const char *storage_dev; /* its default device (state dir, partition), or NULL */
	/*
	 * The management stack's own MAC when the config sets none: stable for
	 * the board (a real board reads it from its OTP/EEPROM into this table).
	 */
	uint8_t mgmt_mac[6];
	const struct brd_led_desc *leds; /* logical to physical LED map */
	size_t n_leds;
	struct brd_console_desc console;
};

/* The descriptor of the board this image was built for. */
extern const struct brd_desc brd_this;

/* Monotonic milliseconds / microseconds since an arbitrary origin. */
uint64_t brd_now_ms(void);
uint64_t brd_now_us(void);

/* Wall-clock microseconds since the epoch (may jump; for timestamps only). */
uint64_t brd_wall_us(void);

/* Fill buf with len random bytes from the board's seeded source. 0 or -EIO. */
int brd_random(void *buf, size_t len);

/*
 * Sleep until one of fds is readable or timeout_ms passes (-1: no limit).
 * Returns the number of readable fds, 0 on timeout, -EINTR when a signal
 * arrived, or another negative errno.
 */
int brd_wait(const int *fds, size_t n, int timeout_ms);

#endif /* LEAKTAP_BRD_H */
