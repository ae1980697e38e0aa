/*
 * The export queue (exp.h): a ring of length-prefixed records that never
 * wrap inside a record. When a record does not fit before the end of the
 * memory, a wrap marker sends it to the start; the bytes skipped count as
 * used until the marker is passed.
 */
#include "exp.h"

#include <errno.h>
#include <string.h>

#define EXP_WRAP UINT32_MAX

static size_t rec_size(size_t len)
{
	return 4u + ((len + 3u) & ~(size_t)3u);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

void exp_queue_init(struct exp_queue *q, void *mem, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	q->cap = cap & ~(size_t)3u;
}

int exp_queue_push(struct exp_queue *q, const void *msg, size_t len)
{
	size_t need = rec_size(len);
	size_t pad = 0;
	if (len >= EXP_WRAP || need > q->cap) {
		q->dropped++;
		return -ENOSPC;
	}
	if (q->tail + need > q->cap) {
		/* Not enough room before the end: the record starts over at 0. */
		pad = q->cap - q->tail;
	}
	if (q->used + pad + need > q->cap) {
		q->dropped++;
		return -ENOSPC;
	}
	if (pad != 0) {
		if (pad >= 4) {
			wr32(q->mem + q->tail, EXP_WRAP);
		}
		q->used += pad;
		q->tail = 0;
	}
	wr32(q->mem + q->tail, (uint32_t)len);
	memcpy(q->mem + q->tail + 4, msg, len);
	q->tail += need;
	if (q->tail == q->cap) {
		q->tail = 0;
	}
	q->used += need;
	q->count++;
	q->pushed++;
	return 0;
}

/* Offset of the record at or after off, following a wrap marker. */
static size_t settle(const struct exp_queue *q, size_t off, size_t *skipped)
{
	*skipped = 0;
	if (off + 4 > q->cap || rd32(q->mem + off) == EXP_WRAP) {
		*skipped = q->cap - off;
		return 0;
	}
	return off;
}

const uint8_t *exp_queue_walk(const struct exp_queue *q, size_t *pos, size_t *len)
{
	if (*pos >= q->count) {
		return NULL;
	}
	size_t off = q->head, skip;
	for (size_t i = 0;; i++) {
		off = settle(q, off, &skip);
		uint32_t n = rd32(q->mem + off);
		if (i == *pos) {
			*len = n;
			(*pos)++;
			return q->mem + off + 4;
		}
		off += rec_size(n);
		if (off == q->cap) {
			off = 0;
		}
	}
}

void exp_queue_pop(struct exp_queue *q)
{
	if (q->count == 0) {
		return;
	}
	size_t skip;
	size_t off = settle(q, q->head, &skip);
	size_t sz = rec_size(rd32(q->mem + off));
	q->used -= skip + sz;
	q->head = off + sz;
	if (q->head == q->cap) {
		q->head = 0;
	}
	if (--q->count == 0) {
		/* Empty: start over so the next message has the whole memory. */
		q->head = q->tail = 0;
		q->used = 0;
	}
}
