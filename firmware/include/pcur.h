/*
 * pcur: a bounds-checked read cursor over a captured buffer.
 *
 * Every wire parser in leaktap reads through this cursor. A getter either
 * returns the value and advances, or returns -EBADMSG and leaves the cursor
 * where it was; it never reads past len. len is always the captured length.
 */
#ifndef LEAKTAP_PCUR_H
#define LEAKTAP_PCUR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

struct pcur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void pcur_init(struct pcur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
}

/* Bytes left to read. */
static inline size_t pcur_left(const struct pcur *c)
{
	return c->len - c->off;
}

/* Pointer to the current position; valid for pcur_left() bytes. */
static inline const uint8_t *pcur_ptr(const struct pcur *c)
{
	return c->p + c->off;
}

static inline int pcur_u8(struct pcur *c, uint8_t *v)
{
	if (pcur_left(c) < 1) {
		return -EBADMSG;
	}
	*v = c->p[c->off];
	c->off += 1;
	return 0;
}

static inline int pcur_u16be(struct pcur *c, uint16_t *v)
{
	if (pcur_left(c) < 2) {
		return -EBADMSG;
	}
	*v = (uint16_t)((uint16_t)c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

static inline int pcur_u16le(struct pcur *c, uint16_t *v)
{
	if (pcur_left(c) < 2) {
		return -EBADMSG;
	}
	*v = (uint16_t)((uint16_t)c->p[c->off + 1] << 8 | c->p[c->off]);
	c->off += 2;
	return 0;
}

static inline int pcur_u32be(struct pcur *c, uint32_t *v)
{
	if (pcur_left(c) < 4) {
		return -EBADMSG;
	}
	*v = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
	     (uint32_t)c->p[c->off + 2] << 8 | (uint32_t)c->p[c->off + 3];
	c->off += 4;
	return 0;
}

static inline int pcur_u32le(struct pcur *c, uint32_t *v)
{
	if (pcur_left(c) < 4) {
		return -EBADMSG;
	}
	*v = (uint32_t)c->p[c->off + 3] << 24 | (uint32_t)c->p[c->off + 2] << 16 |
	     (uint32_t)c->p[c->off + 1] << 8 | (uint32_t)c->p[c->off];
	c->off += 4;
	return 0;
}

static inline int pcur_skip(struct pcur *c, size_t n)
{
	if (pcur_left(c) < n) {
		return -EBADMSG;
	}
	c->off += n;
	return 0;
}

/* Copy n bytes out. */
static inline int pcur_copy(struct pcur *c, void *dst, size_t n)
{
	if (pcur_left(c) < n) {
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		((uint8_t *)dst)[i] = c->p[c->off + i];
	}
	c->off += n;
	return 0;
}

/*
 * Split off the next n bytes as a sub-cursor and advance past them.
 * The sub-cursor cannot read beyond those n bytes.
 */
static inline int pcur_sub(struct pcur *c, size_t n, struct pcur *sub)
{
	if (pcur_left(c) < n) {
		return -EBADMSG;
	}
	pcur_init(sub, c->p + c->off, n);
	c->off += n;
	return 0;
}

#endif /* LEAKTAP_PCUR_H */
