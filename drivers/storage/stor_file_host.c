/*
 * Host half of the directory storage driver: the only storage file that
 * includes POSIX headers. Every object is a file in one directory, opened
 * relative to a directory descriptor (openat), so a name can never walk
 * out of it and a renamed or replaced state dir does not redirect writes.
 *
 * Crash safety rests on three POSIX facts: rename() over an existing file
 * is atomic, fsync() of a file makes its data durable, and fsync() of the
 * directory makes a rename or a new entry durable. Errors become negative
 * errno here, before they cross into the top half (stor_file.c).
 */
#include "stor_file_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_SUFFIX   '~' /* never part of a valid object name */
#define NAME_BUF_MAX 64

struct stofh {
	int dfd;
};

/* Host errno to the codes the storage contract promises. */
static int map_errno(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return -ENOSPC;
	case ENOENT:
		return -ENOENT;
	case EFBIG:
		return -EFBIG;
	default:
		return -EIO;
	}
}

/* Remove "name~" files: a replace interrupted before its rename. */
static void drop_temps(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0) {
			close(fd);
		}
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 1 && de->d_name[n - 1] == TMP_SUFFIX && de->d_name[0] != '.') {
			(void)unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

int stofh_open(const char *dir, struct stofh **out, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "state dir %s: %s", dir, strerror(errno));
		return map_errno(errno);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "state dir %s: %s", dir, strerror(errno));
		return map_errno(errno);
	}
	struct stofh *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		close(dfd);
		snprintf(err, errlen, "state dir %s: out of memory", dir);
		return -ENOMEM;
	}
	h->dfd = dfd;
	drop_temps(dfd);
	*out = h;
	return 0;
}

/* Write all of buf; a short write (disk full) is an error, never a silent cut. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return n == 0 ? -ENOSPC : map_errno(errno);
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int stofh_read(struct stofh *h, const char *name, uint8_t *buf, size_t cap)
{
	int fd = openat(h->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		return map_errno(errno);
	}
	struct stat st;
	int rc = 0;
	/* The length is returned as an int: no object is read past 2 GiB. */
	cap = cap > INT32_MAX ? INT32_MAX : cap;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = -EIO;
	} else if ((uint64_t)st.st_size > cap) {
		rc = -EFBIG;
	}
	size_t got = 0;
	while (rc == 0) {
		/* One byte past the size seen: a file that grew since fstat is caught. */
		uint8_t extra;
		ssize_t n = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = -EIO;
		} else if (n == 0) {
			break;
		} else if (got >= cap) {
			rc = -EFBIG;
		} else {
			got += (size_t)n;
		}
	}
	close(fd);
	return rc != 0 ? rc : (int)got;
}

static int tmp_name(const char *name, char *out)
{
	int n = snprintf(out, NAME_BUF_MAX, "%s%c", name, TMP_SUFFIX);
	return n > 0 && n < NAME_BUF_MAX ? 0 : -EINVAL;
}

int stofh_replace(struct stofh *h, const char *name, const uint8_t *buf, size_t len)
{
	char tmp[NAME_BUF_MAX];
	if (tmp_name(name, tmp) != 0) {
		return -EINVAL;
	}
	int fd = openat(h->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		return map_errno(errno);
	}
	int rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0) {
		rc = map_errno(errno);
	}
	if (close(fd) != 0 && rc == 0) {
		rc = map_errno(errno);
	}
	if (rc == 0 && renameat(h->dfd, tmp, h->dfd, name) != 0) {
		rc = map_errno(errno);
	}
	if (rc != 0) {
		(void)unlinkat(h->dfd, tmp, 0);
		return rc;
	}
	/* Until the directory is synced, a power cut may bring the old entry back. */
	return fsync(h->dfd) == 0 ? 0 : map_errno(errno);
}

/* Open name for appending; *created tells whether this call made the file. */
static int open_append(struct stofh *h, const char *name, bool *created)
{
	*created = false;
	int fd = openat(h->dfd, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(h->dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		*created = fd >= 0;
	}
	return fd >= 0 ? fd : map_errno(errno);
}

int stofh_append(struct stofh *h, const char *name, const uint8_t *buf, size_t len, uint64_t max)
{
	bool created;
	int fd = open_append(h, name, &created);
	if (fd < 0) {
		return fd;
	}
	struct stat st;
	int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -EIO;
	if (rc == 0 && (uint64_t)st.st_size + len > max) {
		rc = -EFBIG;
	}
	if (rc == 0) {
		rc = write_all(fd, buf, len);
		if (rc != 0) {
			/* Disk full mid-write: cut the torn tail so the next append starts clean.
			 */
			(void)ftruncate(fd, st.st_size);
		}
	}
	if (rc == 0 && fdatasync(fd) != 0) {
		rc = map_errno(errno);
	}
	close(fd);
	if (rc == 0 && created && fsync(h->dfd) != 0) {
		rc = map_errno(errno);
	}
	return rc;
}

int64_t stofh_size(struct stofh *h, const char *name)
{
	struct stat st;
	if (fstatat(h->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		return map_errno(errno);
	}
	return S_ISREG(st.st_mode) ? (int64_t)st.st_size : -EIO;
}

int stofh_remove(struct stofh *h, const char *name)
{
	if (unlinkat(h->dfd, name, 0) != 0) {
		return errno == ENOENT ? 0 : map_errno(errno);
	}
	return fsync(h->dfd) == 0 ? 0 : map_errno(errno);
}

int stofh_rename(struct stofh *h, const char *from, const char *to)
{
	if (renameat(h->dfd, from, h->dfd, to) != 0) {
		return map_errno(errno);
	}
	return fsync(h->dfd) == 0 ? 0 : map_errno(errno);
}

int stofh_truncate(struct stofh *h, const char *name, uint64_t len)
{
	int fd = openat(h->dfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		return map_errno(errno);
	}
	struct stat st;
	int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -EIO;
	if (rc == 0 && len > (uint64_t)st.st_size) {
		rc = -EINVAL;
	}
	if (rc == 0 && (ftruncate(fd, (off_t)len) != 0 || fdatasync(fd) != 0)) {
		rc = map_errno(errno);
	}
	close(fd);
	return rc;
}

void stofh_close(struct stofh *h)
{
	if (h != NULL) {
		close(h->dfd);
		free(h);
	}
}
