/*
 * Thin wrappers over struct stor_ops. The core calls these, never the ops
 * directly: names and arguments are checked once here (so no driver can be
 * handed a path), a missing optional op answers -ENOSYS, and test builds
 * (CONFIG_TEST_FAULTS) can make the Nth call fail so that every error path
 * of the callers can be reached.
 */
#include "stor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal_fault.h"

#ifdef CONFIG_TEST_FAULTS
static uint32_t fault_countdown; /* shared by all storage instances */

void stor_fault_after(uint32_t nth)
{
	fault_countdown = nth;
}
#endif
#define FAULT(s, what, name, rc)                                                                   \
	HAL_FAULT(&fault_countdown,                                                                \
		  hal_fault_note((s)->err, sizeof((s)->err), (name) ? (name) : "storage", (what)), \
		  rc)

bool stor_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '.') {
		return false;
	}
	size_t n = 0;
	for (; name[n] != '\0'; n++) {
		char c = name[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '_' || c == '-';
		if (!ok || n + 1 >= STOR_NAME_MAX) {
			return false;
		}
	}
	return true;
}

/* Common checks of every object call; fills s->err when it refuses. */
static int check(struct stor *s, const char *name)
{
	if (s == NULL || !s->is_open) {
		return -EINVAL;
	}
	if (!stor_name_ok(name)) {
		snprintf(s->err, sizeof(s->err), "invalid object name");
		return -EINVAL;
	}
	return 0;
}

/* A driver failed without saying why: name the object and the errno. */
static int failed(struct stor *s, const char *what, const char *name, int rc)
{
	if (rc < 0 && s->err[0] == '\0') {
		snprintf(s->err, sizeof(s->err), "%s %s: %s", what, name, strerror(-rc));
	}
	return rc;
}

void stor_init(struct stor *s, const struct stor_ops *ops, const char *dev)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->dev = dev;
}

int stor_open(struct stor *s)
{
	if (s == NULL || s->ops == NULL || s->ops->open == NULL || s->ops->read == NULL ||
	    s->ops->write == NULL || s->ops->close == NULL || s->dev == NULL) {
		return -EINVAL;
	}
	if (s->is_open) {
		return -EALREADY;
	}
	s->err[0] = '\0';
	FAULT(s, "open", s->dev, -EIO);
	int rc = s->ops->open(s);
	if (rc == 0) {
		s->is_open = true;
	} else if (s->err[0] == '\0') {
		snprintf(s->err, sizeof(s->err), "cannot open storage %s: %s", s->dev,
			 strerror(-rc));
	}
	return rc;
}

int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	int rc = check(s, name);
	if (rc != 0 || (buf == NULL && cap != 0)) {
		return rc ? rc : -EINVAL;
	}
	s->err[0] = '\0';
	FAULT(s, "read", name, -EIO);
	rc = s->ops->read(s, name, buf, cap);
	/* A missing object is an answer, not a failure worth a message. */
	return rc == -ENOENT ? rc : failed(s, "read", name, rc);
}

int stor_write(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	int rc = check(s, name);
	if (rc != 0 || (buf == NULL && len != 0)) {
		return rc ? rc : -EINVAL;
	}
	s->err[0] = '\0';
	FAULT(s, "write", name, -EIO);
	return failed(s, "write", name, s->ops->write(s, name, buf, len));
}

int stor_append(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	int rc = check(s, name);
	if (rc != 0 || buf == NULL || len == 0) {
		return rc ? rc : -EINVAL;
	}
	if (s->ops->append == NULL) {
		return -ENOSYS;
	}
	s->err[0] = '\0';
	FAULT(s, "append", name, -EIO);
	return failed(s, "append", name, s->ops->append(s, name, buf, len));
}

int64_t stor_size(struct stor *s, const char *name)
{
	int rc = check(s, name);
	if (rc != 0) {
		return rc;
	}
	if (s->ops->size == NULL) {
		return -ENOSYS;
	}
	s->err[0] = '\0';
	FAULT(s, "size", name, -EIO);
	int64_t n = s->ops->size(s, name);
	if (n < 0 && n != -ENOENT) {
		failed(s, "size", name, (int)n);
	}
	return n;
}

int stor_remove(struct stor *s, const char *name)
{
	int rc = check(s, name);
	if (rc != 0) {
		return rc;
	}
	if (s->ops->remove == NULL) {
		return -ENOSYS;
	}
	s->err[0] = '\0';
	FAULT(s, "remove", name, -EIO);
	return failed(s, "remove", name, s->ops->remove(s, name));
}

int stor_rename(struct stor *s, const char *from, const char *to)
{
	int rc = check(s, from);
	if (rc == 0) {
		rc = check(s, to);
	}
	if (rc != 0) {
		return rc;
	}
	if (s->ops->rename == NULL) {
		return -ENOSYS;
	}
	s->err[0] = '\0';
	FAULT(s, "rename", from, -EIO);
	return failed(s, "rename", from, s->ops->rename(s, from, to));
}

int stor_truncate(struct stor *s, const char *name, uint64_t len)
{
	int rc = check(s, name);
	if (rc != 0) {
		return rc;
	}
	if (s->ops->truncate == NULL) {
		return -ENOSYS;
	}
	s->err[0] = '\0';
	FAULT(s, "truncate", name, -EIO);
	return failed(s, "truncate", name, s->ops->truncate(s, name, len));
}

void stor_close(struct stor *s)
{
	if (s == NULL || !s->is_open) {
		return;
	}
	s->ops->close(s);
	s->is_open = false;
	s->priv = NULL;
}
