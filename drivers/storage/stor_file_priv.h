/*
 * Private seam between the directory storage driver's two halves.
 *
 * stor_file.c (top) fills the stor_ops table and keeps the limits;
 * stor_file_host.c (host) is the only file that includes POSIX file
 * headers. Only fixed-width types, sizes, names and negative errno cross
 * this seam. Names are already validated (firmware/hal/stor.c).
 */
#ifndef LEAKTAP_STOR_FILE_PRIV_H
#define LEAKTAP_STOR_FILE_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct stofh;

/*
 * Open the directory dir (created 0700 when missing) and remove the temporary files an
 * interrupted replace left behind. 0 or negative errno (err filled).
 */
int stofh_open(const char *dir, struct stofh **out, char *err, size_t errlen);
/* Whole object into buf: its length, -ENOENT, -EFBIG (larger than cap), -EIO. */
int stofh_read(struct stofh *h, const char *name, uint8_t *buf, size_t cap);
/* Temp file, write, fsync, rename over name, fsync the directory. 0, -ENOSPC, -EIO. */
int stofh_replace(struct stofh *h, const char *name, const uint8_t *buf, size_t len);
/*
 * One O_APPEND write then fdatasync; a new file also fsyncs the directory.
 * A failed append is cut back to the old length. 0, -ENOSPC, -EFBIG, -EIO.
 */
int stofh_append(struct stofh *h, const char *name, const uint8_t *buf, size_t len, uint64_t max);
int64_t stofh_size(struct stofh *h, const char *name);
int stofh_remove(struct stofh *h, const char *name);
int stofh_rename(struct stofh *h, const char *from, const char *to);
/* Cut name to len bytes and fdatasync. 0, -ENOENT, -EINVAL (len past the end), -EIO. */
int stofh_truncate(struct stofh *h, const char *name, uint64_t len);
void stofh_close(struct stofh *h);

#endif /* LEAKTAP_STOR_FILE_PRIV_H */
