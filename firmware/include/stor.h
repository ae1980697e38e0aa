/*
 * stor: the appliance's persistent storage ("flash" on a board, the state
 * dir on native_sim), and the HAL wrappers over it.
 *
 * A storage driver fills one static const struct stor_ops; the core calls
 * only the stor_*() wrappers (firmware/hal/stor.c), which check arguments,
 * return -ENOSYS for a missing optional op and are the CONFIG_TEST_FAULTS
 * injection point. Objects are small named blobs ("config.json",
 * "auth.json", "tls.key", "alerts.jsonl"); names are [a-z0-9._-], at most
 * STOR_NAME_MAX-1 characters, never a path.
 *
 * Durability contract: after stor_write() returns 0 the new content
 * survives a crash or power cut and a reader never sees a mix of old and
 * new (atomic replace). After stor_append() returns 0 the appended bytes
 * survive; a crash during an append loses at most that append, and a torn
 * last line is the reader's to skip.
 */
#ifndef LEAKTAP_STOR_H
#define LEAKTAP_STOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

#define STOR_NAME_MAX 32
#define STOR_ERR_MAX  192

struct stor;

struct stor_ops {
	/* Mandatory. */
	/* Open s->dev (a directory on native_sim); 0 or negative errno with s->err set. */
	int (*open)(struct stor *s);
	/* Read a whole object into buf (cap bytes). Its length, -ENOENT, -EFBIG when larger than
	 * cap. */
	int (*read)(struct stor *s, const char *name, uint8_t *buf, size_t cap);
	/* Replace an object atomically and durably. 0, -ENOSPC, -EIO. */
	int (*write)(struct stor *s, const char *name, const uint8_t *buf, size_t len);
	void (*close)(struct stor *s);

	/* Optional: -ENOSYS when absent. */
	/* Append durably. 0, -ENOSPC, -EIO. */
	int (*append)(struct stor *s, const char *name, const uint8_t *buf, size_t len);
	/* Size of an object in bytes, or -ENOENT. */
	int64_t (*size)(struct stor *s, const char *name);
	/* Remove an object; 0 also when it did not exist. */
	int (*remove)(struct stor *s, const char *name);
	/* Rename from to to atomically, replacing to (log rotation). 0, -ENOENT, -EIO. */
	int (*rename)(struct stor *s, const char *from, const char *to);
	/*
	 * Cut an object to its first len bytes (len <= its size), durably:
	 * how a reader drops the torn tail a crash left after its last
	 * complete record. 0, -ENOENT, -EINVAL (len past the end), -EIO.
	 */
	int (*truncate)(struct stor *s, const char *name, uint64_t len);
};

struct stor {
	const struct stor_ops *ops;
	const char *dev; /* state directory, flash partition, ... */
	void *priv;
	bool is_open; /* set by stor_open, cleared by stor_close (wrappers only) */
	char err[STOR_ERR_MAX];
};

/* Bind s to a driver and its device; nothing is opened yet. */
void stor_init(struct stor *s, const struct stor_ops *ops, const char *dev);
/*
 * The wrappers below return -EINVAL for a NULL or unopened s, a NULL
 * buffer with a non-zero length (stor_append: any empty buffer), or a
 * name that stor_name_ok() refuses; -ENOSYS for a missing optional op;
 * and otherwise what the driver returns (see struct stor_ops). On failure
 * s->err holds one line naming the object and the cause.
 */
int stor_open(struct stor *s);
int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap);
int stor_write(struct stor *s, const char *name, const uint8_t *buf, size_t len);
int stor_append(struct stor *s, const char *name, const uint8_t *buf, size_t len);
int64_t stor_size(struct stor *s, const char *name);
int stor_remove(struct stor *s, const char *name);
int stor_rename(struct stor *s, const char *from, const char *to);
int stor_truncate(struct stor *s, const char *name, uint64_t len);
void stor_close(struct stor *s);

/* True when name is a valid object name: [a-z0-9._-]{1,STOR_NAME_MAX-1}, not starting with ".". */
bool stor_name_ok(const char *name);

#ifdef CONFIG_TEST_FAULTS
/* Make the nth stor_* call from now fail with -EIO (1 = the next); 0 disables. */
void stor_fault_after(uint32_t nth);
#endif

#endif /* LEAKTAP_STOR_H */
