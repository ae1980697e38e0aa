/*
 * libFuzzer entry point for the container sniffer (snf_cont).
 *
 * Input: the first two bytes pick a split point (big-endian, modulo the
 * body length) and a piece size for a third feeding; the rest is the body.
 * The body is fed three ways: at once, in two pieces split at that point,
 * and in pieces of that size. Each piece is copied into its own exactly
 * sized heap buffer, so ASan reports a read past any piece. A different
 * answer, byte count or media description between the ways, a string in
 * snf_media without its NUL, or a byte count beyond the window aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snf_cont.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	enum snf_res res;
	size_t fed;
	struct snf_media m;
};

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* Feed one piece from a private copy; returns the answer. */
static enum snf_res feed_copy(struct snf_cont *s, const uint8_t *p, size_t n, struct snf_media *m)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	enum snf_res r;

	check(copy != NULL);
	if (n > 0) {
		memcpy(copy, p, n);
	}
	r = snf_cont_feed(s, n > 0 ? copy : NULL, n, m);
	free(copy);
	return r;
}

/* Feed body in pieces of step bytes, except the first of first bytes (0: none). */
static void run(const uint8_t *body, size_t n, size_t first, size_t step, struct out *o)
{
	struct snf_cont s;
	size_t off = 0;

	memset(o, 0, sizeof(*o));
	/* Poison the strings: a missing NUL must be seen. */
	memset(&o->m, 0xAA, sizeof(o->m));
	snf_cont_init(&s);
	o->res = SNF_MORE;
	while (off < n && o->res == SNF_MORE) {
		size_t k = off == 0 && first > 0 ? first : step;

		if (k > n - off) {
			k = n - off;
		}
		o->res = feed_copy(&s, body + off, k, &o->m);
		off += k;
	}
	if (o->res == SNF_MORE) {
		o->res = snf_cont_end(&s, &o->m);
	}
	check(o->res == SNF_VIDEO || o->res == SNF_NOT);
	/* A final answer stays final and consumes nothing more. */
	o->fed = snf_cont_fed(&s);
	check(snf_cont_feed(&s, body, n, NULL) == o->res && snf_cont_fed(&s) == o->fed);
	check(o->fed <= n && o->fed <= SNF_CONT_MAX_BYTES);
	if (o->res == SNF_VIDEO) {
		check(terminated(o->m.video, sizeof(o->m.video)) && o->m.video[0] != '\0');
		check(terminated(o->m.codec, sizeof(o->m.codec)));
		check(terminated(o->m.detail, sizeof(o->m.detail)) && o->m.detail[0] != '\0');
	}
}

static bool same(const struct out *a, const struct out *b)
{
	if (a->res != b->res || a->fed != b->fed) {
		return false;
	}
	return a->res != SNF_VIDEO || memcmp(&a->m, &b->m, sizeof(a->m)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out whole;
	struct out two;
	struct out small;
	size_t split;
	size_t step;

	if (size < 2) {
		return 0;
	}
	split = (size_t)data[0] << 8 | data[1];
	step = (size_t)(data[1] & 0x3F) + 1;
	data += 2;
	size -= 2;
	split = size > 0 ? split % size : 0;

	run(data, size, 0, size > 0 ? size : 1, &whole);
	run(data, size, split, size > 0 ? size : 1, &two);
	run(data, size, 0, step, &small);
	check(same(&whole, &two));
	check(same(&whole, &small));
	return 0;
}
