/*
 * mgmt: the appliance's own network presence, on lwIP.
 *
 * The management stack is the bridge's third, internal port. The loop
 * offers every frame it receives to mgmt_frame() first: frames to the
 * appliance's MAC go to lwIP only (never inspected as office traffic,
 * never forwarded); broadcast and multicast go to lwIP and are forwarded
 * too; everything else is not mgmt's business. lwIP's output leaves
 * through the tx callback, by the port where the destination MAC was
 * last seen (a small learning table; unknown or broadcast: both ports).
 *
 * Addressing: DHCP client with the static fallback of cfg.mgmt, ARP, ICMP
 * echo, mDNS (<hostname>.local), SNTP, DNS resolver. The web server
 * (HTTPS on 443, HTTP on 80 answering only with a redirect) is started
 * by mgmt_create() when params.http is set; connections arriving on the
 * wan port are refused unless cfg.mgmt.from_wan.
 *
 * Only files in firmware/mgmt/ include lwIP headers; this header does not.
 */
#ifndef LEAKTAP_MGMT_H
#define LEAKTAP_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "eng.h"
#include "http.h"
#include "stor.h"

enum mgmt_rx {
	MGMT_RX_NOT_MINE = 0, /* forward and inspect as usual */
	MGMT_RX_MINE,         /* consumed by the appliance: do not forward or inspect */
	MGMT_RX_ALSO,         /* broadcast/multicast: delivered to the appliance, forward too */
};

/* Send a frame lwIP made out of port out (ENG_SIDE_ANY: both ports). */
typedef void (*mgmt_tx_cb)(void *ctx, enum eng_side out, const uint8_t *frame, size_t len);

/* Answer one HTTP request (see http.h); runs in the loop, must not block. */
typedef void (*mgmt_http_cb)(void *ctx, const struct http_req *rq, struct http_resp *rs);

/* One line for the console/log ("mgmt: 192.168.1.250/24 from DHCP"). */
typedef void (*mgmt_log_cb)(void *ctx, const char *line);

struct mgmt_params {
	const struct cfg *cfg; /* borrowed; mgmt_set_cfg() swaps */
	uint8_t mac[6];        /* the appliance's own MAC (board-stable) */
	mgmt_tx_cb tx;
	void *tx_ctx;
	mgmt_http_cb http; /* NULL: no web server */
	void *http_ctx;
	struct stor *stor; /* TLS key and certificate ("tls.key", "tls.crt"); NULL: made per boot */
	mgmt_log_cb log;
	void *log_ctx;
};

struct mgmt;

/* Bring the stack up (link up on both ports assumed). NULL on failure (out of memory, TLS). */
struct mgmt *mgmt_create(const struct mgmt_params *p);
void mgmt_destroy(struct mgmt *m);

/*
 * Offer one received frame (len captured bytes, arrived on side). The
 * caller keeps frame. Returns what the bridge does with it.
 */
enum mgmt_rx mgmt_frame(struct mgmt *m, enum eng_side side, const uint8_t *frame, size_t len);

/* Run lwIP's timers; call every loop pass. */
void mgmt_poll(struct mgmt *m);

/* Milliseconds until mgmt_poll() has work again (to bound the loop's sleep). */
uint32_t mgmt_sleep_ms(const struct mgmt *m);

/* Apply a new configuration (address, hostname, from_wan, NTP); live. */
void mgmt_set_cfg(struct mgmt *m, const struct cfg *cfg);

/*
 * Wall clock in microseconds since the epoch: the last SNTP answer plus
 * the monotonic time since, or the board's wall clock before any sync
 * (and for m == NULL). For alert timestamps on boards without an RTC.
 */
uint64_t mgmt_wall_us(const struct mgmt *m);

struct mgmt_status {
	bool has_addr;
	bool from_dhcp;  /* address leased by DHCP, else the static one */
	uint8_t addr[4]; /* IPv4 address, prefix length, gateway */
	uint8_t prefix;
	uint8_t gateway[4];
	char hostname[64];
	bool time_synced;      /* SNTP answered at least once */
	uint64_t time_sync_us; /* wall clock of the last sync */
	uint8_t mac[6];
	uint64_t rx_frames; /* frames delivered to lwIP */
	uint64_t tx_frames;
	uint64_t refused_wan; /* connection attempts from the wan port refused */
	uint32_t http_conns;  /* web connections open now */
	uint64_t http_requests;
	uint64_t http_rejected; /* connections refused for lack of slots, requests answered 4xx by
				   the reader */
	bool syslog_up;         /* export: syslog target reachable (TCP connected / UDP resolved) */
	bool mqtt_up;           /* export: MQTT session accepted */
	uint32_t export_queued; /* alerts waiting for a target */
	uint64_t export_sent;   /* alerts a target confirmed (TCP ack, PUBACK) or UDP sent */
	uint64_t export_dropped; /* alerts dropped by a full export queue */
};
void mgmt_get_status(const struct mgmt *m, struct mgmt_status *st);

/*
 * Export (syslog RFC 5424 and MQTT, targets from cfg.syslog / cfg.mqtt):
 * queue one alert line for every configured target; delivered by
 * mgmt_poll() once the appliance has an address (docs/export.md).
 */
void mgmt_export_alert_line(struct mgmt *m, const char *line, size_t len);

/* The status document MQTT keeps retained on <prefix>/<hostname>/status (latest wins). */
void mgmt_export_status_doc(struct mgmt *m, const char *json, size_t len);

#endif /* LEAKTAP_MGMT_H */
