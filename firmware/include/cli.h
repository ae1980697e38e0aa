/*
 * cli: the serial console. A bounded line editor over a uart, a command
 * table that calls the app facade (app.h), the boot banner and a status
 * line printed when the status changes. Commands are documented in
 * docs/console.md.
 *
 * Everything runs in the one loop: cli_poll() reads what the uart has
 * waiting and never blocks. Bad input (control bytes, bytes >= 0x80, NUL,
 * lines over CONFIG_CLI_LINE_MAX) gets a one-line error, never a crash.
 */
#ifndef LEAKTAP_CLI_H
#define LEAKTAP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

struct cli;
struct uart;
struct app;

struct cli_params {
	struct uart *uart; /* open; the cli reads and writes it, the caller closes it */
	struct app *app;   /* commands act on it */
	/*
	 * Ctrl-C at an empty prompt (nothing typed, no question open): stop
	 * the firmware, as a terminal program would. Set on native_sim, whose
	 * console is the terminal it was started from; NULL on a board, where
	 * Ctrl-C on the serial line only clears the line.
	 */
	void (*interrupt)(void *ctx);
	void *interrupt_ctx;
};

/* What the boot banner shows. Any field may be NULL ("-" is shown). */
struct cli_banner {
	const char *version;
	const char *board;
	const char *ports;    /* e.g. "lan=eth0 wan=eth1" */
	const char *mgmt_ip;  /* management address, e.g. "192.168.1.2/24 (dhcp)" */
	const char *password; /* first-boot password; NULL once the owner set one */
};

/* Allocates the console's state and answer buffer (once, at start). NULL on bad params or no
 * memory. */
struct cli *cli_create(const struct cli_params *p);
void cli_destroy(struct cli *c);

/* Print the boot banner, then the prompt. */
void cli_banner(struct cli *c, const struct cli_banner *b);

/*
 * Feed input bytes to the line editor; complete lines run their command.
 * Returns 0, or the negative errno of a failed uart write (the input was
 * still consumed).
 */
int cli_input(struct cli *c, const uint8_t *buf, size_t len);

/*
 * Read what the uart has waiting (without blocking) and feed it. Returns
 * the bytes read (0: none), -ENODATA when the console hung up (stop
 * polling it), or another negative errno.
 */
int cli_poll(struct cli *c);

/*
 * Print line ("status: ...") if it differs from the last status line
 * printed; the half-typed command line is redrawn after it.
 */
void cli_status(struct cli *c, const char *line);

/*
 * Print one line that did not come from a command (a log line, a new
 * password from app_password_reset) without mangling the line being typed.
 * Fits app_hooks.log: pass the struct cli as ctx.
 */
void cli_print(void *cli, const char *line);

#endif /* LEAKTAP_CLI_H */
