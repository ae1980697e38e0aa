/*
 * Thin wrappers over struct uart_ops: argument checks once, -ENOSYS for a
 * missing optional op, and the CONFIG_TEST_FAULTS injection point, so the
 * console's handling of a dead line can be tested without a dead line.
 */
#include "uart.h"

#include <errno.h>
#include <string.h>

#include "hal_fault.h"

#ifdef CONFIG_TEST_FAULTS
static uint32_t fault_countdown;

void uart_fault_after(uint32_t nth)
{
	fault_countdown = nth;
}
#endif
#define FAULT(rc) HAL_FAULT(&fault_countdown, (void)0, rc)

void uart_init(struct uart *u, const struct uart_ops *ops, const char *dev)
{
	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->dev = dev;
}

int uart_open(struct uart *u)
{
	if (u == NULL || u->ops == NULL || u->ops->open == NULL || u->ops->read == NULL ||
	    u->ops->write == NULL || u->ops->close == NULL) {
		return -EINVAL;
	}
	if (u->is_open) {
		return -EALREADY;
	}
	FAULT(-EIO);
	int rc = u->ops->open(u);
	if (rc == 0) {
		u->is_open = true;
	}
	return rc;
}

int uart_read(struct uart *u, uint8_t *buf, size_t cap)
{
	if (u == NULL || !u->is_open || buf == NULL || cap == 0) {
		return -EINVAL;
	}
	FAULT(-EIO);
	return u->ops->read(u, buf, cap);
}

int uart_write(struct uart *u, const uint8_t *buf, size_t len)
{
	if (u == NULL || !u->is_open || (buf == NULL && len != 0)) {
		return -EINVAL;
	}
	if (len == 0) {
		return 0;
	}
	FAULT(-EIO);
	return u->ops->write(u, buf, len);
}

int uart_puts(struct uart *u, const char *s)
{
	if (s == NULL) {
		return -EINVAL;
	}
	return uart_write(u, (const uint8_t *)s, strlen(s));
}

int uart_fd(struct uart *u)
{
	if (u == NULL || !u->is_open) {
		return -EINVAL;
	}
	if (u->ops->fd == NULL) {
		return -ENOSYS;
	}
	return u->ops->fd(u);
}

void uart_close(struct uart *u)
{
	if (u == NULL || !u->is_open) {
		return;
	}
	u->ops->close(u);
	u->is_open = false;
	u->priv = NULL;
}
