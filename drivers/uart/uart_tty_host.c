/*
 * Host half of the console driver: terminals and stdio. Reads never block:
 * a poll() with no timeout comes first, instead of setting O_NONBLOCK,
 * because stdin's file status flags are shared with the shell that started
 * us and would stay changed after we exit. Writes must not block either (a
 * terminal that stopped reading would stall forwarding), so they go to a
 * descriptor of our own opened with O_NONBLOCK: the tty itself, or stderr
 * reopened through /proc when it is a terminal or a pipe.
 */
#include "uart_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

struct uarth {
	int rfd;
	int wfd;
	bool owns_fd;  /* we opened rfd (a tty path), so we close it */
	bool owns_wfd; /* wfd is stdout reopened non-blocking, so we close it */
	bool raw;      /* saved holds the modes to restore */
	struct termios saved;
};

/* Raw input, but output processing kept so "\n" still reaches the screen as CR LF. */
static int uarth_raw(struct uarth *h)
{
	if (!isatty(h->rfd)) {
		return 0;
	}
	if (tcgetattr(h->rfd, &h->saved) != 0) {
		return -errno;
	}
	struct termios t = h->saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(h->rfd, TCSAFLUSH, &t) != 0) {
		return -errno;
	}
	h->raw = true;
	return 0;
}

/*
 * The console writes to stderr, not stdout: on native_sim stdout carries
 * the alert JSON lines (docs/alerts.md), which scripts read line by line.
 * A non-blocking descriptor of our own for stderr when it is a terminal or
 * a pipe. A regular file never blocks, and reopening it would write from
 * offset 0 over what others wrote, so files (and failures) keep fd 2.
 */
static int uarth_stdout(void)
{
	struct stat st;
	if (fstat(STDERR_FILENO, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		return STDERR_FILENO;
	}
	int fd = open("/proc/self/fd/2", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	return fd >= 0 ? fd : STDERR_FILENO;
}

int uarth_open(const char *path, struct uarth **out)
{
	struct uarth *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return -ENOMEM;
	}
	if (path == NULL) {
		h->rfd = STDIN_FILENO;
		h->wfd = uarth_stdout();
		h->owns_wfd = h->wfd != STDERR_FILENO;
	} else {
		h->rfd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (h->rfd < 0) {
			int rc = -errno;
			free(h);
			return rc;
		}
		h->wfd = h->rfd;
		h->owns_fd = true;
	}
	int rc = uarth_raw(h);
	if (rc != 0) {
		if (h->owns_fd) {
			close(h->rfd);
		}
		if (h->owns_wfd) {
			close(h->wfd);
		}
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

int uarth_read(struct uarth *h, uint8_t *buf, size_t cap)
{
	struct pollfd p = {.fd = h->rfd, .events = POLLIN};
	int rc = poll(&p, 1, 0);
	if (rc < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	if (rc == 0) {
		return 0;
	}
	ssize_t n = read(h->rfd, buf, cap);
	if (n < 0) {
		return (errno == EINTR || errno == EAGAIN) ? 0 : (errno == EIO ? -ENODATA : -errno);
	}
	/* A readable descriptor with nothing to read is the end (pipe closed, pty hung up). */
	return n == 0 ? -ENODATA : (int)n;
}

int uarth_write(struct uarth *h, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
	size_t off = 0;
	int waited = 0;
	while (off < len) {
		ssize_t n = write(h->wfd, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			return -errno;
		}
		if ((uint32_t)waited >= timeout_ms) {
			return -EAGAIN;
		}
		struct pollfd p = {.fd = h->wfd, .events = POLLOUT};
		(void)poll(&p, 1, 10);
		waited += 10;
	}
	return 0;
}

int uarth_fd(const struct uarth *h)
{
	return h->rfd;
}

void uarth_close(struct uarth *h)
{
	if (h == NULL) {
		return;
	}
	if (h->raw) {
		(void)tcsetattr(h->rfd, TCSAFLUSH, &h->saved);
	}
	if (h->owns_fd) {
		close(h->rfd);
	}
	if (h->owns_wfd) {
		close(h->wfd);
	}
	free(h);
}
