/*
 * Directory-backed storage driver, top half: the stor_ops table and the
 * size limit. The file system work is in stor_file_host.c (the only half
 * with POSIX headers); this half keeps the driver portable to a board
 * whose "directory" is a flash file system with the same primitives.
 */
#include "stor_file.h"

#include <errno.h>
#include <stdio.h>

#include "stor_file_priv.h"

#define STOR_FILE_MAX ((uint64_t)CONFIG_STOR_FILE_MAX_KB * 1024u)

static int file_open(struct stor *s)
{
	struct stofh *h = NULL;
	int rc = stofh_open(s->dev, &h, s->err, sizeof(s->err));
	if (rc == 0) {
		s->priv = h;
	}
	return rc;
}

static int file_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	return stofh_read(s->priv, name, buf, cap);
}

static int file_write(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	if (len > STOR_FILE_MAX) {
		return -EFBIG;
	}
	return stofh_replace(s->priv, name, buf, len);
}

static int file_append(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	return stofh_append(s->priv, name, buf, len, STOR_FILE_MAX);
}

static int64_t file_size(struct stor *s, const char *name)
{
	return stofh_size(s->priv, name);
}

static int file_remove(struct stor *s, const char *name)
{
	return stofh_remove(s->priv, name);
}

static int file_rename(struct stor *s, const char *from, const char *to)
{
	return stofh_rename(s->priv, from, to);
}

static int file_truncate(struct stor *s, const char *name, uint64_t len)
{
	return stofh_truncate(s->priv, name, len);
}

static void file_close(struct stor *s)
{
	stofh_close(s->priv);
}

const struct stor_ops stor_file_ops = {
	.open = file_open,
	.read = file_read,
	.write = file_write,
	.close = file_close,
	.append = file_append,
	.size = file_size,
	.remove = file_remove,
	.rename = file_rename,
	.truncate = file_truncate,
};
