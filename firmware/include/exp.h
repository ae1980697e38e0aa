/*
 * exp: what the export of alerts to the office's log systems needs
 * without a network stack: the RFC 5424 syslog message of an alert, and
 * the bounded queue that keeps messages while a target is unreachable.
 * The transport (UDP/TCP syslog, MQTT) is in firmware/mgmt/mgmt_export.c.
 */
#ifndef LEAKTAP_EXP_H
#define LEAKTAP_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The private enterprise number of the structured-data ID. 32473 is the
 * number RFC 5612 reserves for documentation and examples; an appliance
 * shipped in numbers would register its own.
 */
#define EXP_SD_ID "leaktap@32473"

/*
 * Format one alert line (the engine's JSON, docs/alerts.md) as an RFC 5424
 * message: PRI (facility local0; warning for a block, notice for an
 * alert), the alert's own timestamp, hostname, APP-NAME "leaktap", MSGID
 * "alert", one SD-ELEMENT with every scalar field of the alert, and the
 * evidence sentence as MSG. Returns the length written (NUL-terminated),
 * -EINVAL when line is not an alert object, -ENOSPC when cap is too small.
 */
int exp_syslog_alert(const char *line, size_t len, const char *hostname, char *out, size_t cap);

/*
 * A FIFO of messages in caller-provided memory. A message is kept until
 * the transport says it was delivered (exp_queue_pop); a message that
 * does not fit is refused and counted, never an older one overwritten,
 * so what a target already holds in flight stays valid.
 */
struct exp_queue {
	uint8_t *mem;
	size_t cap;
	size_t head; /* offset of the oldest message */
	size_t tail; /* offset where the next message goes */
	size_t used; /* bytes in use, records and wrap padding included */
	uint32_t count;
	uint64_t pushed;
	uint64_t dropped;
};

/* mem must be 4-byte aligned; cap at least 64 bytes. */
void exp_queue_init(struct exp_queue *q, void *mem, size_t cap);

/* Append a copy of len bytes. 0, or -ENOSPC (counted in dropped). */
int exp_queue_push(struct exp_queue *q, const void *msg, size_t len);

/*
 * The message at position *pos (start with *pos = 0 for the oldest);
 * advances *pos past it. NULL after the newest. Valid until the next push
 * or pop.
 */
const uint8_t *exp_queue_walk(const struct exp_queue *q, size_t *pos, size_t *len);

/* Forget the oldest message (delivered). */
void exp_queue_pop(struct exp_queue *q);

#endif /* LEAKTAP_EXP_H */
