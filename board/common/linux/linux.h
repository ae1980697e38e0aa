/*
 * What the files of a Linux board's program share (board/common/linux):
 * main.c (command line, replay, exit), live.c (the running appliance),
 * state.c (the state dir). Private to this folder.
 */
#ifndef LEAKTAP_LINUX_H
#define LEAKTAP_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "eng.h"
#include "stor.h"

#ifndef LEAKTAP_VERSION
#define LEAKTAP_VERSION "0.1.0"
#endif

/* lx_run_live's answer when the web page or console asked for a restart. */
#define LX_EXIT_REBOOT 3

/* The command line (main.c parses it). */
struct lx_args {
	const char *replay, *config, *alerts, *flows, *dests, *out, *check, *lan, *wan, *tap;
	const char *state;
	bool no_video;
};

#define STATE_JOURNAL     "alerts.jsonl"
#define STATE_JOURNAL_OLD "alerts.1.jsonl"
#define STATE_IDS         "state.json"
#define STATE_QUAR        "quarantine.json"
#define STATE_DOC_MAX     (256u * 1024u)

struct lx_state {
	struct stor s;
	struct eng *e;    /* set once the engine exists */
	uint32_t next_id; /* next alert id, from state.json and the journal */
	uint32_t q_gen;   /* quarantine generation last written */
	bool fault;       /* a write failed and the console was told */
	char doc[STATE_DOC_MAX];
};

/* Open the state dir and recover what it holds. 0, or non-zero after one line. */
int lx_state_open(struct lx_state *st, const char *dir);
/* The configuration kept in the state dir, if any. 0, or non-zero after one line. */
int lx_state_config(struct lx_state *st, struct cfg *c);
/* Restore quarantines kept by an earlier run (after eng_create). */
void lx_state_restore(struct lx_state *st, struct eng *e);
/* After an alert line went to the alert log: the next id and the quarantines. */
void lx_state_alert(struct lx_state *st);
/* A write's result: one console line when saving stops (full disk), one when it works again. */
void lx_state_result(struct lx_state *st, int rc);
/* Rewrite quarantine.json when the set of active quarantines changed. */
void lx_state_quarantines(struct lx_state *st);

/* The flag SIGINT/SIGTERM and the console's Ctrl-C set to end the loop. */
volatile int *lx_stop_flag(void);

/* systemd's notify protocol (sd_notify) without libsystemd: one datagram. */
void lx_sd_notify(const char *msg);

/* The engine's summary and this process's memory, on stderr. */
void lx_print_summary(const struct eng *e, uint64_t elapsed_us);

/* Run the appliance on live ports until stopped: 0, 1 (failure), LX_EXIT_REBOOT. */
int lx_run_live(const struct lx_args *a, const struct cfg *c, struct lx_state *st);

#endif /* LEAKTAP_LINUX_H */
