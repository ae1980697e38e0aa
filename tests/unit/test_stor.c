/*
 * Unit tests for persistent storage: the HAL wrappers (firmware/hal/stor.c),
 * the directory driver (drivers/storage/stor_file*.c) and the RAM driver
 * (drivers/storage/stor_mem.c).
 *
 * The object tests run once per driver through the same wrappers, as a
 * board would use them. Every wrapper error path is reached: refused names
 * and arguments, missing optional ops (-ENOSYS), and the injected fault of
 * stor_fault_after() on each call. A full medium (-ENOSPC) is the RAM
 * driver's capacity and, for the directory driver, a 64 KiB tmpfs mounted
 * in a private mount namespace (the test runs as root, as tests/run does;
 * without root that test fails rather than pretend).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stor.h"
#include "storage/stor_file.h"
#include "storage/stor_mem.h"

struct tctx {
	struct stor s;
	char dir[64];
	char dev[96];
	bool file;
	uint8_t buf[8192];
};

static void rm_dir(const char *dir)
{
	char cmd[160];
	if (dir[0] != '\0' && strncmp(dir, "/tmp/", 5) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static int setup_file(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_stor.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	/* A state dir that does not exist yet: the driver creates it. */
	snprintf(t->dev, sizeof(t->dev), "%s/state", t->dir);
	t->file = true;
	stor_init(&t->s, &stor_file_ops, t->dev);
	*state = t;
	return stor_open(&t->s) == 0 ? 0 : -1;
}

static int setup_mem(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return -1;
	}
	snprintf(t->dev, sizeof(t->dev), "cap=4096");
	stor_init(&t->s, &stor_mem_ops, t->dev);
	*state = t;
	return stor_open(&t->s) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct tctx *t = *state;
	stor_fault_after(0);
	stor_close(&t->s);
	rm_dir(t->dir);
	free(t);
	return 0;
}

static void put(struct stor *s, const char *name, const char *text)
{
	assert_int_equal(stor_write(s, name, (const uint8_t *)text, strlen(text)), 0);
}

static void app(struct stor *s, const char *name, const char *text)
{
	assert_int_equal(stor_append(s, name, (const uint8_t *)text, strlen(text)), 0);
}

/* The object's whole content must be exactly want. */
static void expect(struct tctx *t, const char *name, const char *want)
{
	memset(t->buf, 0, sizeof(t->buf));
	int n = stor_read(&t->s, name, t->buf, sizeof(t->buf) - 1);
	assert_int_equal(n, (int)strlen(want));
	assert_memory_equal(t->buf, want, strlen(want));
	assert_int_equal(stor_size(&t->s, name), (int64_t)strlen(want));
}

/* ---- object operations, both drivers ---------------------------------------- */

static void test_write_read(void **state)
{
	struct tctx *t = *state;
	put(&t->s, "config.json", "{\"mode\":\"monitor\"}");
	expect(t, "config.json", "{\"mode\":\"monitor\"}");
	put(&t->s, "config.json", "{}");
	expect(t, "config.json", "{}");
	/* An empty object is an object. */
	assert_int_equal(stor_write(&t->s, "empty", NULL, 0), 0);
	assert_int_equal(stor_read(&t->s, "empty", t->buf, sizeof(t->buf)), 0);
	assert_int_equal(stor_size(&t->s, "empty"), 0);
	assert_int_equal(stor_read(&t->s, "missing", t->buf, sizeof(t->buf)), -ENOENT);
	assert_int_equal(stor_size(&t->s, "missing"), -ENOENT);
	/* Larger than the caller's buffer: refused, never cut. */
	assert_int_equal(stor_read(&t->s, "config.json", t->buf, 1), -EFBIG);
	assert_int_equal(stor_read(&t->s, "config.json", t->buf, 2), 2);
}

static void test_append(void **state)
{
	struct tctx *t = *state;
	app(&t->s, "alerts.jsonl", "{\"a\":1}\n");
	app(&t->s, "alerts.jsonl", "{\"a\":2}\n");
	expect(t, "alerts.jsonl", "{\"a\":1}\n{\"a\":2}\n");
	/* Recovery of a torn tail: cut back to the last complete line. */
	app(&t->s, "alerts.jsonl", "{\"a\":3");
	assert_int_equal(stor_truncate(&t->s, "alerts.jsonl", 16), 0);
	expect(t, "alerts.jsonl", "{\"a\":1}\n{\"a\":2}\n");
	assert_int_equal(stor_truncate(&t->s, "alerts.jsonl", 17), -EINVAL);
	assert_int_equal(stor_truncate(&t->s, "nope", 0), -ENOENT);
}

static void test_remove_rename(void **state)
{
	struct tctx *t = *state;
	app(&t->s, "alerts.jsonl", "old\n");
	assert_int_equal(stor_rename(&t->s, "alerts.jsonl", "alerts.1.jsonl"), 0);
	assert_int_equal(stor_size(&t->s, "alerts.jsonl"), -ENOENT);
	expect(t, "alerts.1.jsonl", "old\n");
	/* Rotation again: the rename replaces the older copy. */
	app(&t->s, "alerts.jsonl", "new\n");
	assert_int_equal(stor_rename(&t->s, "alerts.jsonl", "alerts.1.jsonl"), 0);
	expect(t, "alerts.1.jsonl", "new\n");
	assert_int_equal(stor_rename(&t->s, "alerts.jsonl", "x"), -ENOENT);
	assert_int_equal(stor_rename(&t->s, "alerts.1.jsonl", "alerts.1.jsonl"), 0);
	expect(t, "alerts.1.jsonl", "new\n");
	assert_int_equal(stor_remove(&t->s, "alerts.1.jsonl"), 0);
	assert_int_equal(stor_size(&t->s, "alerts.1.jsonl"), -ENOENT);
	assert_int_equal(stor_remove(&t->s, "alerts.1.jsonl"), 0);
}

static void test_names(void **state)
{
	struct tctx *t = *state;
	static const char *const bad[] = {
		"",
		".",
		"..",
		".hidden",
		"a/b",
		"../etc",
		"Config.json",
		"x~",
		"a b",
		"a\n",
		"0123456789012345678901234567890123", /* 34 characters */
	};
	char ok31[32];
	memset(ok31, 'a', 31);
	ok31[31] = '\0';
	assert_true(stor_name_ok(ok31));
	char bad32[33];
	memset(bad32, 'a', 32);
	bad32[32] = '\0';
	assert_false(stor_name_ok(bad32));
	assert_false(stor_name_ok(NULL));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(stor_name_ok(bad[i]));
		assert_int_equal(stor_write(&t->s, bad[i], (const uint8_t *)"x", 1), -EINVAL);
		assert_int_equal(stor_read(&t->s, bad[i], t->buf, 8), -EINVAL);
		assert_int_equal(stor_append(&t->s, bad[i], (const uint8_t *)"x", 1), -EINVAL);
		assert_int_equal(stor_size(&t->s, bad[i]), -EINVAL);
		assert_int_equal(stor_remove(&t->s, bad[i]), -EINVAL);
		assert_int_equal(stor_rename(&t->s, "a", bad[i]), -EINVAL);
		assert_int_equal(stor_rename(&t->s, bad[i], "a"), -EINVAL);
		assert_int_equal(stor_truncate(&t->s, bad[i], 0), -EINVAL);
	}
	assert_non_null(strstr(t->s.err, "invalid object name"));
	put(&t->s, ok31, "y");
	expect(t, ok31, "y");
	put(&t->s, "a-b_c.1", "z");
	expect(t, "a-b_c.1", "z");
}

static void test_args(void **state)
{
	struct tctx *t = *state;
	struct stor closed;
	stor_init(&closed, &stor_mem_ops, "cap=64");
	assert_int_equal(stor_write(&closed, "a", (const uint8_t *)"x", 1), -EINVAL);
	assert_int_equal(stor_read(&closed, "a", t->buf, 1), -EINVAL);
	assert_int_equal(stor_append(&closed, "a", (const uint8_t *)"x", 1), -EINVAL);
	assert_int_equal(stor_size(&closed, "a"), -EINVAL);
	assert_int_equal(stor_remove(&closed, "a"), -EINVAL);
	assert_int_equal(stor_rename(&closed, "a", "b"), -EINVAL);
	assert_int_equal(stor_truncate(&closed, "a", 0), -EINVAL);
	stor_close(&closed); /* harmless */
	assert_int_equal(stor_open(NULL), -EINVAL);
	assert_int_equal(stor_write(NULL, "a", (const uint8_t *)"x", 1), -EINVAL);
	assert_int_equal(stor_open(&t->s), -EALREADY);
	assert_int_equal(stor_write(&t->s, "a", NULL, 1), -EINVAL);
	assert_int_equal(stor_read(&t->s, "a", NULL, 1), -EINVAL);
	assert_int_equal(stor_append(&t->s, "a", NULL, 1), -EINVAL);
	assert_int_equal(stor_append(&t->s, "a", (const uint8_t *)"x", 0), -EINVAL);
	struct stor nodev;
	stor_init(&nodev, &stor_mem_ops, NULL);
	assert_int_equal(stor_open(&nodev), -EINVAL);
	struct stor badcap;
	stor_init(&badcap, &stor_mem_ops, "cap=12x");
	assert_int_equal(stor_open(&badcap), -EINVAL);
	assert_non_null(strstr(badcap.err, "cap=12x"));
}

/* Every wrapper: the nth call fails with -EIO and says so; nothing changes. */
static void test_faults(void **state)
{
	struct tctx *t = *state;
	put(&t->s, "config.json", "old");
	app(&t->s, "j", "1\n");
	stor_fault_after(1);
	assert_int_equal(stor_write(&t->s, "config.json", (const uint8_t *)"new", 3), -EIO);
	assert_non_null(strstr(t->s.err, "injected fault in write"));
	stor_fault_after(1);
	assert_int_equal(stor_read(&t->s, "config.json", t->buf, 8), -EIO);
	stor_fault_after(1);
	assert_int_equal(stor_append(&t->s, "j", (const uint8_t *)"2\n", 2), -EIO);
	stor_fault_after(1);
	assert_int_equal(stor_size(&t->s, "j"), -EIO);
	stor_fault_after(1);
	assert_int_equal(stor_remove(&t->s, "j"), -EIO);
	stor_fault_after(1);
	assert_int_equal(stor_rename(&t->s, "j", "k"), -EIO);
	stor_fault_after(1);
	assert_int_equal(stor_truncate(&t->s, "j", 0), -EIO);
	expect(t, "config.json", "old");
	expect(t, "j", "1\n");
	/* Counting: the third call fails, the two before and the one after work. */
	stor_fault_after(3);
	app(&t->s, "j", "2\n");
	app(&t->s, "j", "3\n");
	assert_int_equal(stor_append(&t->s, "j", (const uint8_t *)"4\n", 2), -EIO);
	app(&t->s, "j", "5\n");
	expect(t, "j", "1\n2\n3\n5\n");
	/* Open fails too; the instance stays closed. */
	struct stor s2;
	stor_init(&s2, t->s.ops, t->dev);
	stor_fault_after(1);
	assert_int_equal(stor_open(&s2), -EIO);
	assert_false(s2.is_open);
	assert_non_null(strstr(s2.err, "injected fault in open"));
	assert_int_equal(stor_open(&s2), 0);
	stor_close(&s2);
}

/* A driver with only the mandatory ops: optional calls say -ENOSYS. */
static void test_optional_ops(void **state)
{
	(void)state;
	struct stor_ops min = {
		.open = stor_mem_ops.open,
		.read = stor_mem_ops.read,
		.write = stor_mem_ops.write,
		.close = stor_mem_ops.close,
	};
	struct stor s;
	stor_init(&s, &min, "cap=64");
	assert_int_equal(stor_open(&s), 0);
	assert_int_equal(stor_append(&s, "a", (const uint8_t *)"x", 1), -ENOSYS);
	assert_int_equal(stor_size(&s, "a"), -ENOSYS);
	assert_int_equal(stor_remove(&s, "a"), -ENOSYS);
	assert_int_equal(stor_rename(&s, "a", "b"), -ENOSYS);
	assert_int_equal(stor_truncate(&s, "a", 0), -ENOSYS);
	stor_close(&s);
	struct stor_ops nowrite = min;
	nowrite.write = NULL;
	stor_init(&s, &nowrite, "cap=64");
	assert_int_equal(stor_open(&s), -EINVAL);
}

/* ---- full medium ---------------------------------------------------------------- */

/* Fill until -ENOSPC; old content of both objects must survive intact. */
static void fill_until_full(struct tctx *t)
{
	put(&t->s, "config.json", "{\"keep\":true}");
	app(&t->s, "alerts.jsonl", "{\"a\":0}\n");
	char line[200];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	int rc = 0;
	for (int i = 0; i < 100000 && rc == 0; i++) {
		rc = stor_append(&t->s, "alerts.jsonl", (const uint8_t *)line, sizeof(line));
	}
	assert_int_equal(rc, -ENOSPC);
	int64_t full = stor_size(&t->s, "alerts.jsonl");
	assert_true(full > 0 && full % (int64_t)sizeof(line) == 8);
	/* The failed append left no torn tail behind. */
	assert_int_equal(stor_append(&t->s, "alerts.jsonl", (const uint8_t *)line, sizeof(line)),
			 -ENOSPC);
	assert_int_equal(stor_size(&t->s, "alerts.jsonl"), full);
	/* A replace that does not fit keeps the old content. */
	assert_int_equal(stor_write(&t->s, "config.json", t->buf, sizeof(t->buf)), -ENOSPC);
	expect(t, "config.json", "{\"keep\":true}");
	/* Room made by rotation away: writes work again. */
	assert_int_equal(stor_remove(&t->s, "alerts.jsonl"), 0);
	put(&t->s, "config.json", "{\"keep\":false}");
	expect(t, "config.json", "{\"keep\":false}");
}

static void test_mem_full(void **state)
{
	struct tctx *t = *state;
	memset(t->buf, 'c', sizeof(t->buf));
	fill_until_full(t);
	/* The object table has a limit of its own. */
	int rc = 0;
	char name[16];
	for (int i = 0; i < CONFIG_STOR_MEM_OBJECTS + 1 && rc == 0; i++) {
		snprintf(name, sizeof(name), "o%d", i);
		rc = stor_write(&t->s, name, (const uint8_t *)"1", 1);
	}
	assert_int_equal(rc, -ENOSPC);
}

/* The directory driver on a 64 KiB tmpfs in a private mount namespace. */
static void test_file_full(void **state)
{
	struct tctx *t = *state;
	assert_int_equal(geteuid(), 0);
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	char mnt[96];
	snprintf(mnt, sizeof(mnt), "%s/small", t->dir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0);
	stor_close(&t->s);
	snprintf(t->dev, sizeof(t->dev), "%s", mnt);
	stor_init(&t->s, &stor_file_ops, t->dev);
	assert_int_equal(stor_open(&t->s), 0);
	memset(t->buf, 'c', sizeof(t->buf));
	for (int i = 0; i < 7; i++) {
		/* Leave too little room for an 8 KiB replace, then fill the rest. */
		char name[16];
		snprintf(name, sizeof(name), "pad%d", i);
		assert_int_equal(stor_write(&t->s, name, t->buf, sizeof(t->buf)), 0);
	}
	fill_until_full(t);
	/* No temp file of the failed replace is left behind. */
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%s/config.json~", mnt);
	assert_int_equal(access(tmp, F_OK), -1);
	stor_close(&t->s);
	assert_int_equal(umount(mnt), 0);
}

/* ---- directory driver specifics --------------------------------------------------- */

static void test_file_layout(void **state)
{
	struct tctx *t = *state;
	char path[160];
	put(&t->s, "config.json", "{\"v\":1}");
	/* The object is a plain file of that name; no temp file stays. */
	snprintf(path, sizeof(path), "%s/config.json", t->dev);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/config.json~", t->dev);
	assert_int_equal(access(path, F_OK), -1);
	/* A crash between temp write and rename left a temp: the next open drops it. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"v\":2", f);
	fclose(f);
	stor_close(&t->s);
	assert_int_equal(stor_open(&t->s), 0);
	assert_int_equal(access(path, F_OK), -1);
	expect(t, "config.json", "{\"v\":1}");
	/* A symlink is not followed; a directory is not an object. */
	snprintf(path, sizeof(path), "%s/link", t->dev);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(stor_read(&t->s, "link", t->buf, sizeof(t->buf)), -EIO);
	assert_int_equal(stor_append(&t->s, "link", (const uint8_t *)"x", 1), -EIO);
	assert_int_equal(stor_truncate(&t->s, "link", 0), -EIO);
	assert_int_equal(stor_size(&t->s, "link"), -EIO);
	snprintf(path, sizeof(path), "%s/sub", t->dev);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(stor_read(&t->s, "sub", t->buf, sizeof(t->buf)), -EIO);
	assert_int_equal(stor_append(&t->s, "sub", (const uint8_t *)"x", 1), -EIO);
	assert_int_equal(stor_remove(&t->s, "sub"), -EIO);
	assert_non_null(strstr(t->s.err, "remove sub"));
	/* Bigger than CONFIG_STOR_FILE_MAX_KB. */
	size_t big = (size_t)CONFIG_STOR_FILE_MAX_KB * 1024u + 1u;
	uint8_t *b = calloc(1, big);
	assert_non_null(b);
	assert_int_equal(stor_write(&t->s, "big", b, big), -EFBIG);
	assert_int_equal(stor_append(&t->s, "big", b, big), -EFBIG);
	free(b);
}

static void test_file_open_errors(void **state)
{
	struct tctx *t = *state;
	struct stor s;
	char path[160];
	/* The state dir's path names a file. */
	snprintf(path, sizeof(path), "%s/config.json", t->dev);
	put(&t->s, "config.json", "{}");
	stor_init(&s, &stor_file_ops, path);
	assert_true(stor_open(&s) < 0);
	assert_false(s.is_open);
	assert_non_null(strstr(s.err, "state dir"));
	/* Its parent does not exist. */
	snprintf(path, sizeof(path), "%s/no/such/dir", t->dev);
	stor_init(&s, &stor_file_ops, path);
	assert_int_equal(stor_open(&s), -ENOENT);
	assert_non_null(strstr(s.err, "No such file"));
}

/* One entry per driver, named so a failure says which. */
#define T(f, drv)                                                                                  \
	{                                                                                          \
#f "/" #drv, f, setup_##drv, teardown, NULL                                        \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_read, file),
		T(test_write_read, mem),
		T(test_append, file),
		T(test_append, mem),
		T(test_remove_rename, file),
		T(test_remove_rename, mem),
		T(test_names, file),
		T(test_names, mem),
		T(test_args, mem),
		T(test_faults, file),
		T(test_faults, mem),
		cmocka_unit_test(test_optional_ops),
		T(test_mem_full, mem),
		T(test_file_layout, file),
		T(test_file_open_errors, file),
		/* Last: it moves this process into its own mount namespace. */
		T(test_file_full, file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
