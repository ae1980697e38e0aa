/*
 * RAM storage driver (see stor_mem.h). A fixed table of
 * CONFIG_STOR_MEM_OBJECTS objects, each a heap buffer; the capacity counts
 * the bytes of all objects, and a replace needs room for the new copy
 * while the old one still exists, as a real atomic replace does.
 */
#include "stor_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mem_obj {
	char name[STOR_NAME_MAX];
	uint8_t *data;
	size_t len;
	bool used;
};

struct mem_state {
	size_t cap, used;
	struct mem_obj obj[CONFIG_STOR_MEM_OBJECTS];
};

static struct mem_obj *find(struct mem_state *m, const char *name)
{
	for (size_t i = 0; i < CONFIG_STOR_MEM_OBJECTS; i++) {
		if (m->obj[i].used && strcmp(m->obj[i].name, name) == 0) {
			return &m->obj[i];
		}
	}
	return NULL;
}

static struct mem_obj *slot(struct mem_state *m, const char *name)
{
	struct mem_obj *o = find(m, name);
	for (size_t i = 0; o == NULL && i < CONFIG_STOR_MEM_OBJECTS; i++) {
		if (!m->obj[i].used) {
			o = &m->obj[i];
			memset(o, 0, sizeof(*o));
			strncpy(o->name, name, sizeof(o->name) - 1);
		}
	}
	return o;
}

static int mem_open(struct stor *s)
{
	struct mem_state *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return -ENOMEM;
	}
	m->cap = (size_t)CONFIG_STOR_MEM_DEFAULT_KB * 1024u;
	if (strncmp(s->dev, "cap=", 4) == 0) {
		char *end;
		unsigned long long v = strtoull(s->dev + 4, &end, 10);
		if (*end != '\0' || end == s->dev + 4 || v == 0 || v > SIZE_MAX / 2) {
			free(m);
			return -EINVAL;
		}
		m->cap = (size_t)v;
	}
	s->priv = m;
	return 0;
}

static int mem_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	const struct mem_obj *o = find(s->priv, name);
	if (o == NULL) {
		return -ENOENT;
	}
	if (o->len > cap || o->len > INT32_MAX) {
		return -EFBIG;
	}
	if (o->len > 0) {
		memcpy(buf, o->data, o->len);
	}
	return (int)o->len;
}

/* Replace o's content by a (+ b appended when b is set); the old copy goes last. */
static int put(struct mem_state *m, struct mem_obj *o, const uint8_t *a, size_t alen,
	       const uint8_t *b, size_t blen)
{
	size_t len = alen + blen;
	if (m->used + len > m->cap) {
		return -ENOSPC;
	}
	uint8_t *d = malloc(len ? len : 1);
	if (d == NULL) {
		return -ENOSPC;
	}
	if (alen > 0) {
		memcpy(d, a, alen);
	}
	if (blen > 0) {
		memcpy(d + alen, b, blen);
	}
	m->used = m->used + len - o->len;
	free(o->data);
	o->data = d;
	o->len = len;
	o->used = true;
	return 0;
}

static int mem_write(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	struct mem_obj *o = slot(s->priv, name);
	return o ? put(s->priv, o, buf, len, NULL, 0) : -ENOSPC;
}

static int mem_append(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	struct mem_obj *o = slot(s->priv, name);
	if (o == NULL) {
		return -ENOSPC;
	}
	/* Room for the old and the new copy at once: an append is a replace here. */
	return put(s->priv, o, o->data, o->len, buf, len);
}

static int64_t mem_size(struct stor *s, const char *name)
{
	const struct mem_obj *o = find(s->priv, name);
	return o ? (int64_t)o->len : -ENOENT;
}

static int mem_remove(struct stor *s, const char *name)
{
	struct mem_state *m = s->priv;
	struct mem_obj *o = find(m, name);
	if (o != NULL) {
		m->used -= o->len;
		free(o->data);
		memset(o, 0, sizeof(*o));
	}
	return 0;
}

static int mem_rename(struct stor *s, const char *from, const char *to)
{
	struct mem_obj *o = find(s->priv, from);
	if (o == NULL) {
		return -ENOENT;
	}
	if (strcmp(from, to) == 0) {
		return 0;
	}
	mem_remove(s, to);
	memset(o->name, 0, sizeof(o->name));
	strncpy(o->name, to, sizeof(o->name) - 1);
	return 0;
}

static int mem_truncate(struct stor *s, const char *name, uint64_t len)
{
	struct mem_state *m = s->priv;
	struct mem_obj *o = find(m, name);
	if (o == NULL) {
		return -ENOENT;
	}
	if (len > o->len) {
		return -EINVAL;
	}
	m->used -= o->len - (size_t)len;
	o->len = (size_t)len;
	return 0;
}

static void mem_close(struct stor *s)
{
	struct mem_state *m = s->priv;
	for (size_t i = 0; i < CONFIG_STOR_MEM_OBJECTS; i++) {
		free(m->obj[i].data);
	}
	free(m);
}

const struct stor_ops stor_mem_ops = {
	.open = mem_open,
	.read = mem_read,
	.write = mem_write,
	.close = mem_close,
	.append = mem_append,
	.size = mem_size,
	.remove = mem_remove,
	.rename = mem_rename,
	.truncate = mem_truncate,
};
