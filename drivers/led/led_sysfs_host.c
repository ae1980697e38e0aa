/*
 * Host half of the Linux LED class driver: the only file of it with OS
 * headers. Failures become negative errno here, before they cross the seam.
 */
#include "led_sysfs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ledh_path(char *out, const char *base, const char *name, const char *file)
{
	/* A name with a slash, or "." or "..", would escape the class directory. */
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
	    strcmp(name, ".") == 0) {
		return -EINVAL;
	}
	int n = snprintf(out, LEDH_PATH_MAX, "%s/%s%s%s", base, name, file[0] ? "/" : "", file);
	if (n < 0 || n >= LEDH_PATH_MAX) {
		return -ENAMETOOLONG;
	}
	return 0;
}

static int ledh_put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int rc = n < 0 ? -errno : ((size_t)n == len ? 0 : -EIO);
	if (close(fd) != 0 && rc == 0) {
		rc = -errno;
	}
	return rc;
}

/* Reads a small decimal file. 0, -ENOENT when absent, -EIO when not a number. */
static int ledh_get_u32(const char *path, uint32_t *val)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	char buf[16];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return -EIO;
	}
	buf[n] = '\0';
	uint64_t v = 0;
	size_t i = 0;
	for (; i < (size_t)n && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10u + (uint64_t)(buf[i] - '0');
		if (v > UINT32_MAX) {
			return -EIO;
		}
	}
	if (i == 0 || (i < (size_t)n && buf[i] != '\n')) {
		return -EIO;
	}
	*val = (uint32_t)v;
	return 0;
}

int ledh_open(const char *base, const char *name, uint32_t *max)
{
	char path[LEDH_PATH_MAX];
	int rc = ledh_path(path, base, name, "");
	if (rc != 0) {
		return rc;
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		return -ENODEV;
	}
	rc = ledh_path(path, base, name, "trigger");
	if (rc != 0) {
		return rc;
	}
	if (ledh_put(path, "none") != 0) {
		return -EIO;
	}
	rc = ledh_path(path, base, name, "max_brightness");
	if (rc != 0) {
		return rc;
	}
	uint32_t m = 1;
	rc = ledh_get_u32(path, &m);
	if (rc == -ENOENT) {
		m = 1;
	} else if (rc != 0 || m == 0) {
		return -EIO;
	}
	*max = m;
	return 0;
}

int ledh_write(const char *base, const char *name, uint32_t brightness)
{
	char path[LEDH_PATH_MAX];
	int rc = ledh_path(path, base, name, "brightness");
	if (rc != 0) {
		return rc;
	}
	char text[16];
	snprintf(text, sizeof(text), "%u\n", brightness);
	return ledh_put(path, text);
}
