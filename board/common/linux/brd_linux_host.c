/*
 * Board services of every board that runs leaktap as a Linux process
 * (native_sim, nanopi-r2s, ...): clocks, randomness, waiting on
 * descriptors. Host half: the only board file with OS headers. Linux
 * boards differ only in their tables (board/<name>/board.c), so this file
 * is shared rather than copied into each board.
 */
#include "brd.h"

#include <errno.h>
#include <poll.h>
#include <sys/random.h>
#include <time.h>

uint64_t brd_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t brd_now_ms(void)
{
	return brd_now_us() / 1000u;
}

uint64_t brd_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int brd_random(void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -EIO;
		}
		got += (size_t)n;
	}
	return 0;
}

int brd_wait(const int *fds, size_t n, int timeout_ms)
{
	struct pollfd pfd[8];
	if (n > sizeof(pfd) / sizeof(pfd[0])) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	int rc = poll(pfd, (nfds_t)n, timeout_ms);
	return rc < 0 ? -errno : rc;
}
