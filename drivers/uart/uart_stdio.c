/*
 * Top half of the terminal / stdio console driver: the ops table. The
 * terminal handling is in uart_tty_host.c.
 */
#include "uart_stdio.h"

#include "autoconf.h"
#include "uart_priv.h"

static int us_open(struct uart *u)
{
	struct uarth *h = NULL;
	int rc = uarth_open(u->dev, &h);
	if (rc == 0) {
		u->priv = h;
	}
	return rc;
}

static int us_read(struct uart *u, uint8_t *buf, size_t cap)
{
	return uarth_read(u->priv, buf, cap);
}

static int us_write(struct uart *u, const uint8_t *buf, size_t len)
{
	return uarth_write(u->priv, buf, len, CONFIG_UART_WRITE_TIMEOUT_MS);
}

static void us_close(struct uart *u)
{
	uarth_close(u->priv);
}

static int us_fd(struct uart *u)
{
	return uarth_fd(u->priv);
}

const struct uart_ops uart_stdio_ops = {
	.open = us_open,
	.read = us_read,
	.write = us_write,
	.close = us_close,
	.fd = us_fd,
};
