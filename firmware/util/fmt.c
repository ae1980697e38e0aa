/*
 * Text output helpers (see fmt.h). Used once per flow, alert or page, never
 * per packet.
 */
#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>

void fmt_printf(struct fmt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = b->len < b->size ? b->size - b->len : 0;
	int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0) {
		b->len += (size_t)n;
	}
}

void fmt_json_str(struct fmt_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	fmt_printf(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\') {
			fmt_printf(b, "\\%c", *c);
		} else if (*c < 0x20 || *c == 0x7f) {
			fmt_printf(b, "\\u00%c%c", hex[*c >> 4], hex[*c & 15]);
		} else {
			fmt_printf(b, "%c", *c);
		}
	}
	fmt_printf(b, "\"");
}

void fmt_addr(uint8_t family, const uint8_t *a, char *buf, size_t size)
{
	if (family == 4) {
		snprintf(buf, size, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952: lower case, the longest run (>= 2) of zero groups as "::". */
	uint16_t g[8];
	int best = -1, best_len = 0;
	for (int i = 0; i < 8; i++) {
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	}
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0) {
			j++;
		}
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	struct fmt_buf b;
	fmt_init(&b, buf, size);
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			fmt_printf(&b, "::");
			i += best_len - 1;
			continue;
		}
		fmt_printf(&b, "%s%x", (i > 0 && i != best + best_len) ? ":" : "", g[i]);
	}
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void fmt_time(uint64_t ms, char *buf, size_t size)
{
	uint64_t s = ms / 1000u;
	int64_t y;
	unsigned mo, d;
	civil_from_days((int64_t)(s / 86400u), &y, &mo, &d);
	unsigned sod = (unsigned)(s % 86400u);
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, mo, d,
		 sod / 3600u, sod / 60u % 60u, sod % 60u, (unsigned)(ms % 1000u));
}

void fmt_hex(const uint8_t *p, size_t n, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < size; i++) {
		buf[o++] = hex[p[i] >> 4];
		buf[o++] = hex[p[i] & 15];
	}
	if (size > 0) {
		buf[o] = '\0';
	}
}
