/*
 * Private seam between the console driver's halves. uart_stdio.c fills the
 * ops table; uart_tty_host.c is the only file with OS headers. Only fixed
 * width types, an opaque handle and negative errno cross this seam.
 */
#ifndef LEAKTAP_UART_PRIV_H
#define LEAKTAP_UART_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct uarth;

/*
 * Open path read-write (NULL: stdin for reading, stdout for writing). A
 * terminal is switched to raw input; its modes are saved for uarth_close.
 * 0, or negative errno (-ENOMEM, or the open/termios failure).
 */
int uarth_open(const char *path, struct uarth **out);
/* Bytes read (0: none waiting), -ENODATA at end of input, or negative errno. Never blocks. */
int uarth_read(struct uarth *h, uint8_t *buf, size_t cap);
/* Write all of buf, waiting at most timeout_ms in total for room. 0, -EAGAIN, or negative errno. */
int uarth_write(struct uarth *h, const uint8_t *buf, size_t len, uint32_t timeout_ms);
int uarth_fd(const struct uarth *h);
/* Restore the terminal, close what was opened, free h. */
void uarth_close(struct uarth *h);

#endif /* LEAKTAP_UART_PRIV_H */
