/*
 * fmt: text output helpers shared by the engine, the policy and the
 * management plane: a bounded string builder, addresses, RFC 3339 times
 * and JSON string escaping. Never allocates.
 */
#ifndef LEAKTAP_FMT_H
#define LEAKTAP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* A bounded appender: writes stop at the end of the buffer, len keeps counting. */
struct fmt_buf {
	char *p;
	size_t size;
	size_t len;
};

static inline void fmt_init(struct fmt_buf *b, char *p, size_t size)
{
	b->p = p;
	b->size = size;
	b->len = 0;
	if (size > 0) {
		p[0] = '\0';
	}
}

/* True when everything appended so far fit (with its terminating NUL). */
static inline int fmt_ok(const struct fmt_buf *b)
{
	return b->len < b->size;
}

__attribute__((format(printf, 2, 3))) void fmt_printf(struct fmt_buf *b, const char *fmt, ...);

/* Append s as a JSON string literal (quotes included), escaping as RFC 8259 requires. */
void fmt_json_str(struct fmt_buf *b, const char *s);

/* Text form of an address (4 or 16 bytes by family, RFC 5952 for IPv6); buf >= 46 bytes. */
void fmt_addr(uint8_t family, const uint8_t *a, char *buf, size_t size);

/* RFC 3339 UTC with milliseconds from epoch milliseconds; buf >= 25 bytes. */
void fmt_time(uint64_t ms, char *buf, size_t size);

/* Lower-case hex of n bytes; buf >= 2n + 1 bytes. */
void fmt_hex(const uint8_t *p, size_t n, char *buf, size_t size);

#endif /* LEAKTAP_FMT_H */
