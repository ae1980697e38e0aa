/*
 * Thin wrappers over struct port_ops. The core calls these, never the ops
 * directly: arguments are checked once here, a missing optional op answers
 * -ENOSYS, and test builds (CONFIG_TEST_FAULTS) can make the Nth call fail
 * so that every error path of the callers can be reached.
 */
#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal_fault.h"

#ifdef CONFIG_TEST_FAULTS
static uint32_t fault_countdown; /* shared by all ports */

void port_fault_after(uint32_t nth)
{
	fault_countdown = nth;
}
#endif
#define FAULT(p, what, rc)                                                                         \
	HAL_FAULT(&fault_countdown, hal_fault_note((p)->err, sizeof((p)->err), (p)->name, (what)), \
		  rc)

void port_init(struct port *p, const struct port_ops *ops, const char *name, const char *dev)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->name = name;
	p->dev = dev;
}

int port_open(struct port *p)
{
	if (p == NULL || p->ops == NULL || p->ops->open == NULL || p->dev == NULL) {
		return -EINVAL;
	}
	if (p->is_open) {
		return -EALREADY;
	}
	FAULT(p, "open", -EIO);
	p->err[0] = '\0';
	int rc = p->ops->open(p);
	if (rc == 0) {
		p->is_open = true;
	} else if (p->err[0] == '\0') {
		snprintf(p->err, sizeof(p->err), "%s: cannot open %s", p->name, p->dev);
	}
	return rc;
}

int port_rx_poll(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx)
{
	if (p == NULL || !p->is_open || cb == NULL || budget == 0) {
		return -EINVAL;
	}
	FAULT(p, "rx_poll", -EIO);
	return p->ops->rx_poll(p, budget, cb, ctx);
}

int port_tx(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us)
{
	if (p == NULL || !p->is_open || buf == NULL || len == 0) {
		return -EINVAL;
	}
	if (p->ops->tx == NULL) {
		return -ENOSYS;
	}
	FAULT(p, "tx", -EIO);
	return p->ops->tx(p, buf, len, ts_us);
}

int port_stats(struct port *p, struct port_stats *st)
{
	if (p == NULL || !p->is_open || st == NULL) {
		return -EINVAL;
	}
	if (p->ops->stats == NULL) {
		return -ENOSYS;
	}
	FAULT(p, "stats", -EIO);
	return p->ops->stats(p, st);
}

int port_fd(struct port *p)
{
	if (p == NULL || !p->is_open) {
		return -EINVAL;
	}
	if (p->ops->fd == NULL) {
		return -ENOSYS;
	}
	FAULT(p, "fd", -EIO);
	return p->ops->fd(p);
}

int port_flush(struct port *p)
{
	if (p == NULL || !p->is_open) {
		return -EINVAL;
	}
	if (p->ops->flush == NULL) {
		return -ENOSYS;
	}
	FAULT(p, "flush", -EIO);
	return p->ops->flush(p);
}

int port_link(struct port *p)
{
	if (p == NULL || !p->is_open) {
		return -EINVAL;
	}
	if (p->ops->link == NULL) {
		return -ENOSYS;
	}
	FAULT(p, "link", -EIO);
	return p->ops->link(p);
}

void port_close(struct port *p)
{
	if (p == NULL || !p->is_open) {
		return;
	}
	if (p->ops->flush != NULL) {
		(void)p->ops->flush(p);
	}
	p->ops->close(p);
	p->is_open = false;
	p->priv = NULL;
}
