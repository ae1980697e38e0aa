/*
 * uart: the serial console's byte stream, and the HAL wrappers over its
 * driver. A UART driver fills one static const struct uart_ops; the core
 * calls only the uart_*() wrappers (firmware/hal/uart.c), which check
 * arguments, answer -ENOSYS for a missing optional op, and are the
 * CONFIG_TEST_FAULTS injection point.
 */
#ifndef LEAKTAP_UART_H
#define LEAKTAP_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

struct uart;

struct uart_ops {
	/* Mandatory. */
	/* Open u->dev (NULL: the process's stdin/stdout). 0 or negative errno. */
	int (*open)(struct uart *u);
	/*
	 * Read what is waiting, up to cap bytes, without blocking. Returns the
	 * bytes read (0: nothing waiting), -ENODATA at end of input (the other
	 * side hung up), or another negative errno.
	 */
	int (*read)(struct uart *u, uint8_t *buf, size_t cap);
	/* Write all len bytes (waiting a bounded time for a slow line). 0 or negative errno. */
	int (*write)(struct uart *u, const uint8_t *buf, size_t len);
	/* Give the line back as it was found (terminal modes restored). */
	void (*close)(struct uart *u);

	/* Optional: -ENOSYS when absent. */
	/* A descriptor that becomes readable when input waits; >= 0, or negative errno. */
	int (*fd)(struct uart *u);
};

struct uart {
	const struct uart_ops *ops;
	const char *dev; /* tty path, or NULL for stdio */
	bool is_open;
	void *priv; /* driver state */
};

/* Bind u to ops and dev; does not open. dev is not copied. */
void uart_init(struct uart *u, const struct uart_ops *ops, const char *dev);

int uart_open(struct uart *u);
/* See uart_ops.read. -EINVAL when closed or cap is 0. */
int uart_read(struct uart *u, uint8_t *buf, size_t cap);
/* See uart_ops.write. Writing 0 bytes is a no-op returning 0. */
int uart_write(struct uart *u, const uint8_t *buf, size_t len);
/* Write a NUL-terminated string. */
int uart_puts(struct uart *u, const char *s);
int uart_fd(struct uart *u);
void uart_close(struct uart *u);

#ifdef CONFIG_TEST_FAULTS
/* Make the nth uart_open/read/write call from now fail with -EIO (1 = next); 0 disables. */
void uart_fault_after(uint32_t nth);
#endif

#endif /* LEAKTAP_UART_H */
