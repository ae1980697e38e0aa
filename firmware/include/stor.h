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

#include <stddef.h>
#include <stdint.h>

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
};

struct stor {
	const struct stor_ops *ops;
	const char *dev; /* state directory, flash partition, ... */
	void *priv;
	char err[STOR_ERR_MAX];
};

void stor_init(struct stor *s, const struct stor_ops *ops, const char *dev);
int stor_open(struct stor *s);
int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap);
int stor_write(struct stor *s, const char *name, const uint8_t *buf, size_t len);
int stor_append(struct stor *s, const char *name, const uint8_t *buf, size_t len);
int64_t stor_size(struct stor *s, const char *name);
int stor_remove(struct stor *s, const char *name);
int stor_rename(struct stor *s, const char *from, const char *to);
void stor_close(struct stor *s);

#ifdef CONFIG_TEST_FAULTS
/* Make the nth stor_* call from now fail with -EIO (1 = the next); 0 disables. */
void stor_fault_after(uint32_t nth);
#endif

#endif /* LEAKTAP_STOR_H */
