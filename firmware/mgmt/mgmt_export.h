/*
 * Export of alerts and status to the office's log systems through lwIP:
 * syslog (RFC 5424 over UDP, or TCP with octet counting, RFC 6587) and
 * MQTT (lwIP's client: alerts on <prefix>/<hostname>/alert with QoS 1,
 * status retained on <prefix>/<hostname>/status, a last-will "offline"
 * there). Private to firmware/mgmt: mgmt.c owns one and drives it.
 *
 * Delivery: each target has a bounded queue (exp.h). A TCP syslog message
 * leaves the queue when TCP has acknowledged it, an MQTT alert when the
 * broker's PUBACK arrives; after a reconnect what was not acknowledged is
 * sent again, so a collector may see a message twice but never misses
 * one that was queued. UDP syslog is fire-and-forget: a message leaves
 * the queue once lwIP accepted it. A message that finds the queue full is
 * dropped and counted.
 */
#ifndef LEAKTAP_MGMT_EXPORT_H
#define LEAKTAP_MGMT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

struct mgmt_export;

struct mgmt_export_stats {
	bool syslog_up; /* TCP connected, or UDP with an address */
	bool mqtt_up;   /* MQTT session accepted by the broker */
	uint32_t syslog_queued;
	uint32_t mqtt_queued;
	uint64_t syslog_sent;
	uint64_t mqtt_sent;
	uint64_t dropped;    /* messages refused by a full queue */
	uint64_t reconnects; /* connection attempts after the first */
};

/* NULL when out of memory. The targets come from cfg (syslog.*, mqtt.*, mgmt.hostname). */
struct mgmt_export *mgmt_export_create(const struct cfg *cfg);
void mgmt_export_destroy(struct mgmt_export *x);

/* New targets: connections to changed targets are closed and made again; queues are kept. */
void mgmt_export_set_cfg(struct mgmt_export *x, const struct cfg *cfg);

/* Queue one alert line for every configured target. */
void mgmt_export_alert(struct mgmt_export *x, const char *line, size_t len);

/* The status document for MQTT's retained topic (latest wins; published when connected). */
void mgmt_export_status(struct mgmt_export *x, const char *json, size_t len);

/* Connect, resolve, send; call every loop pass once the stack has an address. */
void mgmt_export_poll(struct mgmt_export *x, bool have_addr);

void mgmt_export_get_stats(const struct mgmt_export *x, struct mgmt_export_stats *st);

#endif /* LEAKTAP_MGMT_EXPORT_H */
