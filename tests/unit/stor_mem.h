/*
 * A storage driver in memory for the unit tests of stor users (auth, alog,
 * app): a handful of named blobs, with a switch to make the next writes or
 * appends fail, and a crash helper that cuts an object's tail.
 *
 * The stor_*() HAL wrappers are defined here weak, forwarding to the ops,
 * so these tests link whether or not firmware/hal/stor.c is in libcore.a
 * yet; when it is, its strong definitions are used instead.
 */
#ifndef LEAKTAP_TEST_STOR_MEM_H
#define LEAKTAP_TEST_STOR_MEM_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "stor.h"

#define SMEM_OBJS 8
#define SMEM_CAP  (1024 * 1024)

struct smem_obj {
	char name[STOR_NAME_MAX];
	uint8_t *buf; /* SMEM_CAP bytes when used */
	size_t len;
};

struct smem {
	struct smem_obj o[SMEM_OBJS];
	int fail_writes; /* > 0: that many next write/append/rename calls fail with -EIO */
	unsigned writes, appends, renames;
};

static inline struct smem_obj *smem_get(struct stor *s, const char *name, bool make)
{
	struct smem *m = s->priv;
	struct smem_obj *free_o = NULL;

	for (size_t i = 0; i < SMEM_OBJS; i++) {
		if (m->o[i].buf != NULL && strcmp(m->o[i].name, name) == 0) {
			return &m->o[i];
		}
		if (m->o[i].buf == NULL && free_o == NULL) {
			free_o = &m->o[i];
		}
	}
	if (!make || free_o == NULL) {
		return NULL;
	}
	free_o->buf = calloc(1, SMEM_CAP);
	if (free_o->buf == NULL) {
		return NULL;
	}
	strncpy(free_o->name, name, STOR_NAME_MAX - 1);
	free_o->len = 0;
	return free_o;
}

static inline bool smem_fail(struct stor *s)
{
	struct smem *m = s->priv;

	if (m->fail_writes > 0) {
		m->fail_writes--;
		return true;
	}
	return false;
}

static inline int smem_open(struct stor *s)
{
	(void)s;
	return 0;
}

static inline int smem_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	struct smem_obj *o = smem_get(s, name, false);

	if (o == NULL) {
		return -ENOENT;
	}
	if (o->len > cap) {
		return -EFBIG;
	}
	memcpy(buf, o->buf, o->len);
	return (int)o->len;
}

static inline int smem_write(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	struct smem_obj *o;

	if (smem_fail(s)) {
		return -EIO;
	}
	o = smem_get(s, name, true);
	if (o == NULL || len > SMEM_CAP) {
		return -ENOSPC;
	}
	memcpy(o->buf, buf, len);
	o->len = len;
	((struct smem *)s->priv)->writes++;
	return 0;
}

static inline int smem_append(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	struct smem_obj *o;

	if (smem_fail(s)) {
		return -EIO;
	}
	o = smem_get(s, name, true);
	if (o == NULL || o->len + len > SMEM_CAP) {
		return -ENOSPC;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	((struct smem *)s->priv)->appends++;
	return 0;
}

static inline int64_t smem_size(struct stor *s, const char *name)
{
	struct smem_obj *o = smem_get(s, name, false);

	return o == NULL ? -ENOENT : (int64_t)o->len;
}

static inline int smem_remove(struct stor *s, const char *name)
{
	struct smem_obj *o = smem_get(s, name, false);

	if (o != NULL) {
		free(o->buf);
		memset(o, 0, sizeof(*o));
	}
	return 0;
}

static inline int smem_rename(struct stor *s, const char *from, const char *to)
{
	struct smem_obj *o;

	if (smem_fail(s)) {
		return -EIO;
	}
	o = smem_get(s, from, false);
	if (o == NULL) {
		return -ENOENT;
	}
	smem_remove(s, to);
	strncpy(o->name, to, STOR_NAME_MAX - 1);
	((struct smem *)s->priv)->renames++;
	return 0;
}

static inline void smem_close(struct stor *s)
{
	struct smem *m = s->priv;

	for (size_t i = 0; i < SMEM_OBJS; i++) {
		free(m->o[i].buf);
		m->o[i].buf = NULL;
	}
}

static const struct stor_ops smem_ops = {
	.open = smem_open,
	.read = smem_read,
	.write = smem_write,
	.close = smem_close,
	.append = smem_append,
	.size = smem_size,
	.remove = smem_remove,
	.rename = smem_rename,
};

/* Put name = text as if it had been stored earlier (or a torn tail: any bytes). */
static inline void smem_put(struct stor *s, const char *name, const void *p, size_t len)
{
	struct smem_obj *o = smem_get(s, name, true);

	if (o != NULL && len <= SMEM_CAP) {
		memcpy(o->buf, p, len);
		o->len = len;
	}
}

/* ---- weak HAL wrappers (see the file comment) ---------------------------------- */

__attribute__((weak)) void stor_init(struct stor *s, const struct stor_ops *ops, const char *dev)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->dev = dev;
}
__attribute__((weak)) int stor_open(struct stor *s)
{
	return s->ops->open(s);
}
__attribute__((weak)) int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	return s->ops->read(s, name, buf, cap);
}
__attribute__((weak)) int stor_write(struct stor *s, const char *name, const uint8_t *buf,
				     size_t len)
{
	return s->ops->write(s, name, buf, len);
}
__attribute__((weak)) int stor_append(struct stor *s, const char *name, const uint8_t *buf,
				      size_t len)
{
	return s->ops->append == NULL ? -ENOSYS : s->ops->append(s, name, buf, len);
}
__attribute__((weak)) int64_t stor_size(struct stor *s, const char *name)
{
	return s->ops->size == NULL ? -ENOSYS : s->ops->size(s, name);
}
__attribute__((weak)) int stor_remove(struct stor *s, const char *name)
{
	return s->ops->remove == NULL ? -ENOSYS : s->ops->remove(s, name);
}
__attribute__((weak)) int stor_rename(struct stor *s, const char *from, const char *to)
{
	return s->ops->rename == NULL ? -ENOSYS : s->ops->rename(s, from, to);
}
__attribute__((weak)) void stor_close(struct stor *s)
{
	s->ops->close(s);
}

/* Set up s over m (zeroed by the caller). */
static inline void smem_init(struct stor *s, struct smem *m)
{
	stor_init(s, &smem_ops, "mem");
	s->priv = m;
}

#endif /* LEAKTAP_TEST_STOR_MEM_H */
