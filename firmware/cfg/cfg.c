/*
 * cfg: parse, validate and format the appliance configuration document.
 *
 * The document is untrusted (it arrives from the web page and from files a
 * user may have edited), so everything is checked here, once, before the
 * rest of the firmware sees a struct cfg. Parsing works on a malloc'd
 * scratch struct and a NUL-terminated private copy of the text; *out is
 * written only when the whole document is valid. This is not packet-path
 * code: it may allocate.
 *
 * Address parsing is done by hand because the core may not include OS
 * networking headers (no inet_pton). The schema lives in docs/config.md;
 * every message produced by perr() below is listed there.
 */
#include "cfg.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#include <cjson/cJSON.h>

/*
 * Largest document accepted. A full allow list of 253-byte names, pretty
 * printed, is about 40 KB; this leaves room for generous whitespace while
 * bounding what a hostile upload can make cJSON allocate.
 */
#define CFG_DOC_MAX (1024u * 1024u)

#define CFG_QUOTE_MAX    40 /* bytes of a bad value quoted in an error */
#define CFG_DNS_NAME_MAX 253
#define CFG_LABEL_MAX    63
#define CFG_TOPIC_MAX    64

#define CFG_THRESHOLD_MB_MAX 1000000.0
#define CFG_WINDOW_MIN       1u
#define CFG_WINDOW_MAX       86400u
#define CFG_QUARANTINE_MAX   604800u

#define CFG_DEFAULT_THRESHOLD (10u * 1000000u)
#define CFG_DEFAULT_WINDOW    600u
#define CFG_DEFAULT_QUARANT   600u
#define CFG_DEFAULT_SYSLOG    514u
#define CFG_DEFAULT_MQTT      1883u

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct cfg_cidr default_nets[] = {
	{.family = 4, .prefix = 8, .addr = {10}},
	{.family = 4, .prefix = 12, .addr = {172, 16}},
	{.family = 4, .prefix = 16, .addr = {192, 168}},
	{.family = 4, .prefix = 16, .addr = {169, 254}},
	{.family = 6, .prefix = 7, .addr = {0xfc}},
	{.family = 6, .prefix = 10, .addr = {0xfe, 0x80}},
};

_Static_assert(CONFIG_CFG_MAX_NETS >= ARRAY_LEN(default_nets),
	       "CONFIG_CFG_MAX_NETS must hold the default local_nets");
_Static_assert(CONFIG_CFG_MAX_ALLOW <= INT_MAX, "allow count must fit an int");

static const char *const mode_names[] = {"learn", "monitor", "block"};

const char *cfg_mode_name(uint8_t mode)
{
	if (mode < ARRAY_LEN(mode_names)) {
		return mode_names[mode];
	}
	return "unknown";
}

void cfg_default(struct cfg *c)
{
	/* Zero everything, padding and unused slots included, so two
	 * configurations built the same way also compare equal bytewise. */
	memset(c, 0, sizeof(*c));
	c->mode = CFG_MODE_MONITOR;
	c->threshold_bytes = CFG_DEFAULT_THRESHOLD;
	c->window_s = CFG_DEFAULT_WINDOW;
	c->quarantine_s = CFG_DEFAULT_QUARANT;
	c->fail_closed = false;
	c->bulk = false;
	memcpy(c->local_nets, default_nets, sizeof(default_nets));
	c->n_local = ARRAY_LEN(default_nets);
	c->n_allow = 0;
	c->mgmt.dhcp = true;
	memcpy(c->mgmt.hostname, "leaktap", sizeof("leaktap"));
	c->mgmt.from_wan = false;
	c->syslog.target.port = CFG_DEFAULT_SYSLOG;
	c->syslog.tcp = false;
	c->mqtt.target.port = CFG_DEFAULT_MQTT;
	memcpy(c->mqtt.topic_prefix, "leaktap", sizeof("leaktap"));
}

/* ---- small helpers --------------------------------------------------- */

/* strnlen without relying on POSIX. */
static size_t slen_max(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0') {
		n++;
	}
	return n;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static char lower(char ch)
{
	if (ch >= 'A' && ch <= 'Z') {
		return (char)(ch - 'A' + 'a');
	}
	return ch;
}

static int hex_val(char ch)
{
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	ch = lower(ch);
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	return -1;
}

static size_t family_len(uint8_t family)
{
	return family == 4 ? 4u : 16u;
}

/* ---- addresses -------------------------------------------------------- */

/*
 * Exactly four decimal parts 0..255 separated by dots. A leading zero is
 * refused ("010" means 8 to inet_aton and 10 to others), as is any sign.
 */
static int parse_ip4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (size_t part = 0; part < 4; part++) {
		size_t start;
		unsigned v = 0;

		if (part > 0) {
			if (i >= n || s[i] != '.') {
				return -EINVAL;
			}
			i++;
		}
		start = i;
		while (i < n && is_digit(s[i]) && i - start < 3) {
			v = v * 10u + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == start || v > 255u || (i - start > 1 && s[start] == '0')) {
			return -EINVAL;
		}
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -EINVAL;
}

/*
 * Turn ng parsed groups into 16 bytes, putting the zeros of "::" (at group
 * index gap, SIZE_MAX when absent) where they belong.
 */
static int ip6_expand(uint16_t w[8], size_t ng, size_t gap, uint8_t out[16])
{
	if (gap == SIZE_MAX) {
		if (ng != 8) {
			return -EINVAL;
		}
	} else {
		size_t tail = ng - gap;

		if (ng >= 8) {
			return -EINVAL; /* "::" must stand for at least one group */
		}
		memmove(&w[8 - tail], &w[gap], tail * sizeof(w[0]));
		memset(&w[gap], 0, (8 - tail - gap) * sizeof(w[0]));
	}
	for (size_t k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(w[k] >> 8);
		out[2 * k + 1] = (uint8_t)(w[k] & 0xffu);
	}
	return 0;
}

/*
 * RFC 4291 text form: eight groups of 1..4 hex digits, at most one "::"
 * standing for one or more zero groups, and an optional dotted-quad tail in
 * place of the last two groups. Zone ids ("%eth0") are not addresses of a
 * network and are refused.
 */
static int parse_ip6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t w[8] = {0};
	size_t ng = 0;
	size_t gap = SIZE_MAX; /* group index where "::" stands */
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	}
	while (i < n) {
		size_t j = i;
		unsigned v = 0;

		if (ng >= 8) {
			return -EINVAL;
		}
		/* A dotted quad can only be the rest of the string. */
		if (memchr(s + i, '.', n - i) != NULL && memchr(s + i, ':', n - i) == NULL) {
			uint8_t q[4];

			if (ng > 6 || parse_ip4(s + i, n - i, q) != 0) {
				return -EINVAL;
			}
			w[ng++] = (uint16_t)((q[0] << 8) | q[1]);
			w[ng++] = (uint16_t)((q[2] << 8) | q[3]);
			break;
		}
		while (j < n && j - i < 5 && hex_val(s[j]) >= 0) {
			v = (v << 4) | (unsigned)hex_val(s[j]);
			j++;
		}
		if (j == i || j - i > 4) {
			return -EINVAL;
		}
		w[ng++] = (uint16_t)v;
		if (j == n) {
			break;
		}
		if (s[j] != ':') {
			return -EINVAL;
		}
		j++;
		if (j < n && s[j] == ':') {
			if (gap != SIZE_MAX) {
				return -EINVAL;
			}
			gap = ng;
			j++;
		} else if (j == n) {
			return -EINVAL; /* a single trailing colon */
		}
		i = j;
	}
	return ip6_expand(w, ng, gap, out);
}

/* A bare IPv4 or IPv6 address of n bytes, no prefix. */
static int parse_ip(const char *s, size_t n, struct cfg_cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (memchr(s, ':', n) != NULL) {
		out->family = 6;
		out->prefix = 128;
		return parse_ip6(s, n, out->addr);
	}
	out->family = 4;
	out->prefix = 32;
	return parse_ip4(s, n, out->addr);
}

static bool has_host_bits(const struct cfg_cidr *c)
{
	size_t alen = family_len(c->family);
	size_t i = c->prefix / 8u;
	unsigned rem = c->prefix % 8u;

	if (rem != 0) {
		if ((c->addr[i] & (0xffu >> rem)) != 0) {
			return true;
		}
		i++;
	}
	for (; i < alen; i++) {
		if (c->addr[i] != 0) {
			return true;
		}
	}
	return false;
}

/* True when every host bit of c equals ones (all set) or all clear. */
static bool host_bits_all(const struct cfg_cidr *c, const uint8_t *addr, bool ones)
{
	size_t alen = family_len(c->family);
	size_t i = c->prefix / 8u;
	unsigned rem = c->prefix % 8u;

	if (rem != 0) {
		unsigned mask = 0xffu >> rem;

		if ((addr[i] & mask) != (ones ? mask : 0u)) {
			return false;
		}
		i++;
	}
	for (; i < alen; i++) {
		if (addr[i] != (ones ? 0xffu : 0u)) {
			return false;
		}
	}
	return true;
}

int cfg_parse_cidr(const char *s, bool allow_host_bits, struct cfg_cidr *out)
{
	struct cfg_cidr c;
	const char *slash;
	size_t n;
	size_t alen;
	unsigned maxp;
	unsigned prefix;

	if (s == NULL || out == NULL) {
		return -EINVAL;
	}
	n = strlen(s);
	slash = memchr(s, '/', n);
	alen = slash != NULL ? (size_t)(slash - s) : n;
	if (parse_ip(s, alen, &c) != 0) {
		return -EINVAL;
	}
	maxp = c.family == 4 ? 32u : 128u;
	prefix = maxp;
	if (slash != NULL) {
		const char *d = slash + 1;
		size_t dn = n - alen - 1;

		/* Plain decimal: no sign, no leading zero, at most 3 digits. */
		if (dn == 0 || dn > 3 || (dn > 1 && d[0] == '0')) {
			return -EINVAL;
		}
		prefix = 0;
		for (size_t i = 0; i < dn; i++) {
			if (!is_digit(d[i])) {
				return -EINVAL;
			}
			prefix = prefix * 10u + (unsigned)(d[i] - '0');
		}
		if (prefix > maxp) {
			return -EINVAL;
		}
	}
	c.prefix = (uint8_t)prefix;
	if (!allow_host_bits && has_host_bits(&c)) {
		return -EINVAL;
	}
	*out = c;
	return 0;
}

bool cfg_cidr_match(const struct cfg_cidr *c, uint8_t family, const uint8_t *addr)
{
	size_t full;
	unsigned rem;
	uint8_t mask;

	if (c->family != family || (family != 4 && family != 6) ||
	    c->prefix > 8u * family_len(family)) {
		return false;
	}
	full = c->prefix / 8u;
	if (memcmp(c->addr, addr, full) != 0) {
		return false;
	}
	rem = c->prefix % 8u;
	if (rem == 0) {
		return true;
	}
	mask = (uint8_t)(0xffu << (8u - rem));
	return ((c->addr[full] ^ addr[full]) & mask) == 0;
}

bool cfg_is_local(const struct cfg *c, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < c->n_local && i < CONFIG_CFG_MAX_NETS; i++) {
		if (cfg_cidr_match(&c->local_nets[i], family, addr)) {
			return true;
		}
	}
	return false;
}

/* ---- names ------------------------------------------------------------ */

/* The last dot-separated label of s[0..n) is all digits: an address, not a name. */
static bool last_label_numeric(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && s[n - 1] == '.') {
		n--;
	}
	i = n;
	while (i > 0 && s[i - 1] != '.') {
		i--;
	}
	if (i == n) {
		return false;
	}
	for (; i < n; i++) {
		if (!is_digit(s[i])) {
			return false;
		}
	}
	return true;
}

/*
 * Validate a DNS name and copy it to dst in lower case, without a final
 * dot. Labels are 1..63 of [a-z0-9-] (and '_' when underscore: SRV and
 * other service names use it), not starting or ending with '-'; the whole
 * name is at most 253 bytes; the last label is not all digits, so a name
 * can never be mistaken for an address.
 */
static int norm_name(const char *s, char *dst, size_t dstlen, bool underscore)
{
	size_t n = slen_max(s, CFG_DNS_NAME_MAX + 2);
	size_t lab = 0;
	bool digits = true;

	if (n > 0 && s[n - 1] == '.') {
		n--;
	}
	if (n == 0 || n > CFG_DNS_NAME_MAX || n >= dstlen) {
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++) {
		char ch = i < n ? lower(s[i]) : '.';

		if (ch == '.') {
			if (lab == 0 || lab > CFG_LABEL_MAX || dst[i - 1] == '-') {
				return -EINVAL;
			}
			if (i == n && digits) {
				return -EINVAL;
			}
			if (i < n) {
				dst[i] = '.';
			}
			lab = 0;
			digits = true;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '-' ||
		      (underscore && ch == '_'))) {
			return -EINVAL;
		}
		if (ch == '-' && lab == 0) {
			return -EINVAL;
		}
		if (!is_digit(ch)) {
			digits = false;
		}
		dst[i] = ch;
		lab++;
	}
	dst[n] = '\0';
	return 0;
}

/*
 * A host to connect to: "" (none), an IPv6 address, a dotted quad, or a
 * DNS name. Stored in lower case; names lose their final dot.
 */
static int norm_host(const char *s, char *dst, size_t dstlen)
{
	size_t n = slen_max(s, CFG_DNS_NAME_MAX + 2);
	struct cfg_cidr ip;

	if (n == 0) {
		dst[0] = '\0';
		return 0;
	}
	if (memchr(s, ':', n) != NULL || last_label_numeric(s, n)) {
		if (n >= dstlen || parse_ip(s, n, &ip) != 0) {
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			dst[i] = lower(s[i]);
		}
		dst[n] = '\0';
		return 0;
	}
	return norm_name(s, dst, dstlen, true);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned ch = s[i];
		size_t more;
		unsigned cp;
		unsigned min;

		if (ch < 0x80u) {
			i++;
			continue;
		}
		if (ch >= 0xc2u && ch <= 0xdfu) {
			more = 1;
			cp = ch & 0x1fu;
			min = 0x80u;
		} else if (ch >= 0xe0u && ch <= 0xefu) {
			more = 2;
			cp = ch & 0x0fu;
			min = 0x800u;
		} else if (ch >= 0xf0u && ch <= 0xf4u) {
			more = 3;
			cp = ch & 0x07u;
			min = 0x10000u;
		} else {
			return false;
		}
		if (n - i <= more) {
			return false;
		}
		for (size_t k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0u) != 0x80u) {
				return false;
			}
			cp = (cp << 6) | (s[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffffu || (cp >= 0xd800u && cp <= 0xdfffu)) {
			return false;
		}
		i += more + 1;
	}
	return true;
}

/* ---- output buffer ------------------------------------------------------ */

/*
 * Appends to buf[0..size), always NUL-terminated while it fits; len keeps
 * counting past the end so the caller learns that it did not fit.
 */
struct obuf {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void ob_write(struct obuf *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) {
		o->full = true;
		o->len += n;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void ob_puts(struct obuf *o, const char *s)
{
	ob_write(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void ob_printf(struct obuf *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->full = true; /* never happens: only numbers go through here */
		return;
	}
	ob_write(o, tmp, (size_t)n);
}

/* A JSON string from at most max bytes of s. */
static void ob_str(struct obuf *o, const char *s, size_t max)
{
	size_t n = slen_max(s, max);

	ob_write(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			char esc[2] = {'\\', (char)ch};

			ob_write(o, esc, 2);
		} else if (ch < 0x20u) {
			ob_printf(o, "\\u%04x", ch);
		} else {
			ob_write(o, &s[i], 1);
		}
	}
	ob_write(o, "\"", 1);
}

/* An address in text (fmt_addr: RFC 5952 for IPv6). */
static void ob_ip(struct obuf *o, uint8_t family, const uint8_t *a)
{
	char text[48];

	fmt_addr(family, a, text, sizeof(text));
	ob_puts(o, text);
}

/* A prefix as "addr/len", or the bare address when full_bare and it is a host. */
static void ob_cidr(struct obuf *o, const struct cfg_cidr *c, bool full_bare)
{
	ob_ip(o, c->family, c->addr);
	if (!full_bare || c->prefix != 8u * family_len(c->family)) {
		ob_printf(o, "/%u", (unsigned)c->prefix);
	}
}

/* ---- parse context and errors -------------------------------------------- */

struct pctx {
	struct cfg *c;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err != NULL && p->errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * A bad value made safe for a one-line message: at most CFG_QUOTE_MAX
 * bytes, anything but printable ASCII replaced with '?', "..." when cut.
 */
struct qbuf {
	char s[CFG_QUOTE_MAX + 4];
};

static const char *quote(struct qbuf *q, const char *s)
{
	size_t n = slen_max(s, CFG_QUOTE_MAX + 1);
	size_t k = n > CFG_QUOTE_MAX ? CFG_QUOTE_MAX : n;

	for (size_t i = 0; i < k; i++) {
		unsigned char ch = (unsigned char)s[i];

		q->s[i] = (ch >= 0x20u && ch < 0x7fu) ? (char)ch : '?';
	}
	if (n > CFG_QUOTE_MAX) {
		memcpy(&q->s[k], "...", 3);
		k += 3;
	}
	q->s[k] = '\0';
	return q->s;
}

static const char *get_str(const cJSON *v)
{
	if (!cJSON_IsString(v) || v->valuestring == NULL) {
		return NULL;
	}
	return v->valuestring;
}

/* Doubles of this magnitude have no fractional bits; nor can int64_t hold them. */
static bool is_integral(double d)
{
	if (!isfinite(d)) {
		return false;
	}
	if (d > 9.0e15 || d < -9.0e15) {
		return true;
	}
	return (double)(int64_t)d == d;
}

static int get_uint(struct pctx *p, const cJSON *v, const char *path, uint32_t lo, uint32_t hi,
		    uint32_t *out)
{
	double d;

	if (!cJSON_IsNumber(v) || !is_integral(v->valuedouble)) {
		return perr(p, "%s: must be an integer", path);
	}
	d = v->valuedouble;
	if (!(d >= (double)lo && d <= (double)hi)) {
		return perr(p, "%s: must be from %u to %u", path, (unsigned)lo, (unsigned)hi);
	}
	*out = (uint32_t)d;
	return 0;
}

static int get_bool(struct pctx *p, const cJSON *v, const char *path, bool *out)
{
	if (!cJSON_IsBool(v)) {
		return perr(p, "%s: must be true or false", path);
	}
	*out = cJSON_IsTrue(v) != 0;
	return 0;
}

static int get_port(struct pctx *p, const cJSON *v, const char *path, uint16_t *out)
{
	uint32_t port = 0;
	int rc = get_uint(p, v, path, 1, 65535, &port);

	if (rc == 0) {
		*out = (uint16_t)port;
	}
	return rc;
}

static int get_host(struct pctx *p, const cJSON *v, const char *path, char *dst, size_t dstlen)
{
	const char *s = get_str(v);
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	if (norm_host(s, dst, dstlen) != 0) {
		return perr(p, "%s: \"%s\" is not a valid host name or address", path,
			    quote(&q, s));
	}
	return 0;
}

/*
 * One object level: every member must be in rules, at most once. seen is a
 * bitmask of rule indexes, so duplicate detection stays O(members).
 */
struct key_rule {
	const char *name;
	int (*fn)(struct pctx *p, const cJSON *v, const char *path);
};

static int walk_object(struct pctx *p, const cJSON *obj, const char *prefix,
		       const struct key_rule *rules, size_t nrules)
{
	uint32_t seen = 0;
	char path[64];

	for (const cJSON *it = obj->child; it != NULL; it = it->next) {
		const char *name = it->string != NULL ? it->string : "";
		size_t k = 0;
		int rc;

		while (k < nrules && strcmp(rules[k].name, name) != 0) {
			k++;
		}
		if (k == nrules) {
			struct qbuf q;

			return perr(p, "%s%s: unknown key", prefix,
				    name[0] != '\0' ? quote(&q, name) : "\"\"");
		}
		(void)snprintf(path, sizeof(path), "%s%s", prefix, rules[k].name);
		if ((seen & (1u << k)) != 0) {
			return perr(p, "%s: duplicate key", path);
		}
		seen |= 1u << k;
		rc = rules[k].fn(p, it, path);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* ---- top-level keys ----------------------------------------------------- */

static int key_mode(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);

	for (size_t i = 0; s != NULL && i < ARRAY_LEN(mode_names); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			p->c->mode = (uint8_t)i;
			return 0;
		}
	}
	return perr(p, "%s: must be one of \"learn\", \"monitor\", \"block\"", path);
}

static int key_threshold(struct pctx *p, const cJSON *v, const char *path)
{
	double d;

	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble >= 0.0 && v->valuedouble <= CFG_THRESHOLD_MB_MAX)) {
		return perr(p, "%s: must be a number from 0 to 1000000", path);
	}
	/* Round half up to whole bytes; d >= 0 so truncation is floor. */
	d = v->valuedouble * 1e6 + 0.5;
	p->c->threshold_bytes = (uint64_t)d;
	return 0;
}

static int key_window(struct pctx *p, const cJSON *v, const char *path)
{
	return get_uint(p, v, path, CFG_WINDOW_MIN, CFG_WINDOW_MAX, &p->c->window_s);
}

static int key_quarantine(struct pctx *p, const cJSON *v, const char *path)
{
	return get_uint(p, v, path, 0, CFG_QUARANTINE_MAX, &p->c->quarantine_s);
}

static int key_bulk(struct pctx *p, const cJSON *v, const char *path)
{
	return get_bool(p, v, path, &p->c->bulk);
}

static int key_fail_closed(struct pctx *p, const cJSON *v, const char *path)
{
	return get_bool(p, v, path, &p->c->fail_closed);
}

static bool cidr_equal(const struct cfg_cidr *a, const struct cfg_cidr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Array members must be strings and at most max of them; returns the count or -EINVAL. */
static int check_str_array(struct pctx *p, const cJSON *v, const char *path, size_t max)
{
	size_t n = 0;
	const cJSON *it;

	if (!cJSON_IsArray(v)) {
		return perr(p, "%s: must be an array of strings", path);
	}
	for (it = v->child; it != NULL; it = it->next) {
		if (++n > max) {
			return perr(p, "%s: at most %zu entries", path, max);
		}
	}
	n = 0;
	for (it = v->child; it != NULL; it = it->next, n++) {
		if (get_str(it) == NULL) {
			return perr(p, "%s[%zu]: must be a string", path, n);
		}
	}
	return (int)n;
}

static int key_local_nets(struct pctx *p, const cJSON *v, const char *path)
{
	struct cfg *c = p->c;
	int rc = check_str_array(p, v, path, CONFIG_CFG_MAX_NETS);
	size_t n = 0;

	if (rc < 0) {
		return rc;
	}
	c->n_local = 0;
	memset(c->local_nets, 0, sizeof(c->local_nets));
	for (const cJSON *it = v->child; it != NULL; it = it->next, n++) {
		const char *s = it->valuestring;
		struct cfg_cidr *net = &c->local_nets[n];
		struct qbuf q;

		if (cfg_parse_cidr(s, true, net) != 0) {
			return perr(p, "%s[%zu]: \"%s\" is not a valid CIDR", path, n,
				    quote(&q, s));
		}
		if (has_host_bits(net)) {
			return perr(p, "%s[%zu]: \"%s\" has host bits set", path, n, quote(&q, s));
		}
		for (size_t j = 0; j < n; j++) {
			if (cidr_equal(&c->local_nets[j], net)) {
				return perr(p, "%s[%zu]: \"%s\" is a duplicate of %s[%zu]", path, n,
					    quote(&q, s), path, j);
			}
		}
	}
	c->n_local = n;
	return 0;
}

static int parse_allow(struct pctx *p, const char *s, const char *path, size_t idx,
		       struct cfg_allow *a)
{
	size_t n = slen_max(s, CFG_DNS_NAME_MAX + 2);
	struct qbuf q;

	memset(a, 0, sizeof(*a));
	if (n == 0) {
		return perr(p, "%s[%zu]: must not be empty", path, idx);
	}
	if (s[0] == '*' && s[1] == '.') {
		a->kind = CFG_ALLOW_SUFFIX;
		if (norm_name(s + 2, a->name, sizeof(a->name), true) != 0) {
			return perr(p, "%s[%zu]: \"%s\" is not a valid DNS suffix", path, idx,
				    quote(&q, s));
		}
		if (strchr(a->name, '.') == NULL) {
			return perr(p, "%s[%zu]: \"%s\": a suffix needs at least two labels", path,
				    idx, quote(&q, s));
		}
		return 0;
	}
	if (memchr(s, '/', n) != NULL || memchr(s, ':', n) != NULL || last_label_numeric(s, n)) {
		a->kind = CFG_ALLOW_CIDR;
		if (cfg_parse_cidr(s, true, &a->cidr) != 0) {
			return perr(p, "%s[%zu]: \"%s\" is not a valid address or CIDR", path, idx,
				    quote(&q, s));
		}
		if (has_host_bits(&a->cidr)) {
			return perr(p, "%s[%zu]: \"%s\" has host bits set", path, idx,
				    quote(&q, s));
		}
		return 0;
	}
	a->kind = CFG_ALLOW_NAME;
	if (norm_name(s, a->name, sizeof(a->name), true) != 0) {
		return perr(p, "%s[%zu]: \"%s\" is not a valid DNS name", path, idx, quote(&q, s));
	}
	return 0;
}

static bool allow_equal(const struct cfg_allow *a, const struct cfg_allow *b)
{
	if (a->kind != b->kind) {
		return false;
	}
	if (a->kind == CFG_ALLOW_CIDR) {
		return cidr_equal(&a->cidr, &b->cidr);
	}
	return strcmp(a->name, b->name) == 0;
}

static int key_allow(struct pctx *p, const cJSON *v, const char *path)
{
	struct cfg *c = p->c;
	int rc = check_str_array(p, v, path, CONFIG_CFG_MAX_ALLOW);
	size_t n = 0;

	if (rc < 0) {
		return rc;
	}
	c->n_allow = 0;
	memset(c->allow, 0, sizeof(c->allow));
	for (const cJSON *it = v->child; it != NULL; it = it->next, n++) {
		struct qbuf q;

		rc = parse_allow(p, it->valuestring, path, n, &c->allow[n]);
		if (rc != 0) {
			return rc;
		}
		for (size_t j = 0; j < n; j++) {
			if (allow_equal(&c->allow[j], &c->allow[n])) {
				return perr(p, "%s[%zu]: \"%s\" is a duplicate of %s[%zu]", path, n,
					    quote(&q, it->valuestring), path, j);
			}
		}
	}
	c->n_allow = n;
	return 0;
}

/* ---- mgmt ----------------------------------------------------------------- */

static int key_mgmt_dhcp(struct pctx *p, const cJSON *v, const char *path)
{
	return get_bool(p, v, path, &p->c->mgmt.dhcp);
}

static bool ip4_unicast(const uint8_t *a)
{
	/* Not 0/8 ("this network"), not loopback, not multicast or class E. */
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

static int key_mgmt_address(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	struct cfg_cidr a;
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	memset(&p->c->mgmt.address, 0, sizeof(p->c->mgmt.address));
	p->c->mgmt.has_address = false;
	if (s[0] == '\0') {
		return 0;
	}
	if (strchr(s, '/') == NULL || cfg_parse_cidr(s, true, &a) != 0 || a.family != 4) {
		return perr(p,
			    "%s: \"%s\" is not an IPv4 address with prefix, e.g. 192.168.1.250/24",
			    path, quote(&q, s));
	}
	if (a.prefix < 1) {
		return perr(p, "%s: \"%s\": prefix must be from 1 to 32", path, quote(&q, s));
	}
	if (!ip4_unicast(a.addr)) {
		return perr(p, "%s: \"%s\" is not a unicast address", path, quote(&q, s));
	}
	/* /31 (RFC 3021) and /32 have no network or broadcast address. */
	if (a.prefix <= 30 && host_bits_all(&a, a.addr, false)) {
		return perr(p, "%s: \"%s\" is the network address of its subnet", path,
			    quote(&q, s));
	}
	if (a.prefix <= 30 && host_bits_all(&a, a.addr, true)) {
		return perr(p, "%s: \"%s\" is the broadcast address of its subnet", path,
			    quote(&q, s));
	}
	p->c->mgmt.address = a;
	p->c->mgmt.has_address = true;
	return 0;
}

static int key_mgmt_gateway(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	memset(p->c->mgmt.gateway, 0, sizeof(p->c->mgmt.gateway));
	p->c->mgmt.has_gateway = false;
	if (s[0] == '\0') {
		return 0;
	}
	if (parse_ip4(s, strlen(s), p->c->mgmt.gateway) != 0 || !ip4_unicast(p->c->mgmt.gateway)) {
		return perr(p, "%s: \"%s\" is not a unicast IPv4 address", path, quote(&q, s));
	}
	p->c->mgmt.has_gateway = true;
	return 0;
}

static int key_mgmt_dns(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	memset(&p->c->mgmt.dns, 0, sizeof(p->c->mgmt.dns));
	p->c->mgmt.has_dns = false;
	if (s[0] == '\0') {
		return 0;
	}
	if (parse_ip(s, strlen(s), &p->c->mgmt.dns) != 0) {
		return perr(p, "%s: \"%s\" is not an IPv4 or IPv6 address", path, quote(&q, s));
	}
	p->c->mgmt.has_dns = true;
	return 0;
}

static int key_mgmt_hostname(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	char *dst = p->c->mgmt.hostname;
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	/* One label: no dots at all (norm_name would drop a final one). */
	if (strchr(s, '.') != NULL || norm_name(s, dst, sizeof(p->c->mgmt.hostname), false) != 0) {
		return perr(p, "%s: \"%s\" must be one DNS label: 1 to 63 of a-z, 0-9, '-'", path,
			    quote(&q, s));
	}
	return 0;
}

static int key_mgmt_ntp(struct pctx *p, const cJSON *v, const char *path)
{
	return get_host(p, v, path, p->c->mgmt.ntp, sizeof(p->c->mgmt.ntp));
}

static int key_mgmt_from_wan(struct pctx *p, const cJSON *v, const char *path)
{
	return get_bool(p, v, path, &p->c->mgmt.from_wan);
}

/*
 * Six hex pairs joined by ':' (or all by '-'). The address must be unicast
 * and not all zero: a group address would make the appliance receive every
 * frame of that group, and lwIP would answer ARP with it.
 */
static int parse_mac(const char *s, uint8_t out[6])
{
	if (strlen(s) != 17 || (s[2] != ':' && s[2] != '-')) {
		return -EINVAL;
	}
	uint8_t any = 0;
	for (size_t i = 0; i < 6; i++) {
		const char *h = s + 3 * i;
		int hi = hex_val(h[0]);
		int lo = hex_val(h[1]);
		if (hi < 0 || lo < 0 || (i < 5 && h[2] != s[2])) {
			return -EINVAL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
		any |= out[i];
	}
	return (out[0] & 1u) != 0 || any == 0 ? -EINVAL : 0;
}

static int key_mgmt_mac(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	memset(p->c->mgmt.mac, 0, sizeof(p->c->mgmt.mac));
	p->c->mgmt.has_mac = false;
	if (s[0] == '\0') {
		return 0;
	}
	if (parse_mac(s, p->c->mgmt.mac) != 0) {
		return perr(p, "%s: \"%s\" is not a unicast MAC address, e.g. 02:00:00:00:00:01",
			    path, quote(&q, s));
	}
	p->c->mgmt.has_mac = true;
	return 0;
}

static const struct key_rule mgmt_rules[] = {
	{"dhcp", key_mgmt_dhcp},         {"address", key_mgmt_address},
	{"gateway", key_mgmt_gateway},   {"dns", key_mgmt_dns},
	{"hostname", key_mgmt_hostname}, {"ntp", key_mgmt_ntp},
	{"from_wan", key_mgmt_from_wan}, {"mac", key_mgmt_mac},
};

static int key_mgmt(struct pctx *p, const cJSON *v, const char *path)
{
	if (!cJSON_IsObject(v)) {
		return perr(p, "%s: must be an object", path);
	}
	return walk_object(p, v, "mgmt.", mgmt_rules, ARRAY_LEN(mgmt_rules));
}

/* Rules that tie mgmt keys together; run once the whole document is read. */
static int check_mgmt(struct pctx *p)
{
	const struct cfg_cidr *a = &p->c->mgmt.address;
	const uint8_t *gw = p->c->mgmt.gateway;
	char abuf[24];
	char gbuf[24];
	struct obuf ao = {abuf, sizeof(abuf), 0, false};
	struct obuf go = {gbuf, sizeof(gbuf), 0, false};

	if (!p->c->mgmt.dhcp && !p->c->mgmt.has_address) {
		return perr(p, "mgmt.address: required when mgmt.dhcp is false");
	}
	if (!p->c->mgmt.has_gateway || !p->c->mgmt.has_address) {
		return 0;
	}
	ob_cidr(&ao, a, false);
	ob_ip(&go, 4, gw);
	if (!cfg_cidr_match(a, 4, gw)) {
		return perr(p, "mgmt.gateway: \"%s\" is not inside mgmt.address %s", gbuf, abuf);
	}
	if (memcmp(a->addr, gw, 4) == 0) {
		return perr(p, "mgmt.gateway: \"%s\" is the appliance's own address", gbuf);
	}
	if (a->prefix <= 30 && (host_bits_all(a, gw, false) || host_bits_all(a, gw, true))) {
		return perr(p, "mgmt.gateway: \"%s\" is the network or broadcast address of %s",
			    gbuf, abuf);
	}
	return 0;
}

/* ---- syslog, mqtt ------------------------------------------------------------ */

static int key_syslog_host(struct pctx *p, const cJSON *v, const char *path)
{
	return get_host(p, v, path, p->c->syslog.target.host, sizeof(p->c->syslog.target.host));
}

static int key_syslog_port(struct pctx *p, const cJSON *v, const char *path)
{
	return get_port(p, v, path, &p->c->syslog.target.port);
}

static int key_syslog_proto(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);

	if (s != NULL && (strcmp(s, "udp") == 0 || strcmp(s, "tcp") == 0)) {
		p->c->syslog.tcp = s[0] == 't';
		return 0;
	}
	return perr(p, "%s: must be one of \"udp\", \"tcp\"", path);
}

static const struct key_rule syslog_rules[] = {
	{"host", key_syslog_host},
	{"port", key_syslog_port},
	{"proto", key_syslog_proto},
};

static int key_syslog(struct pctx *p, const cJSON *v, const char *path)
{
	if (!cJSON_IsObject(v)) {
		return perr(p, "%s: must be an object", path);
	}
	return walk_object(p, v, "syslog.", syslog_rules, ARRAY_LEN(syslog_rules));
}

static int key_mqtt_host(struct pctx *p, const cJSON *v, const char *path)
{
	return get_host(p, v, path, p->c->mqtt.target.host, sizeof(p->c->mqtt.target.host));
}

static int key_mqtt_port(struct pctx *p, const cJSON *v, const char *path)
{
	return get_port(p, v, path, &p->c->mqtt.target.port);
}

/*
 * MQTT topic names are UTF-8 without U+0000; '+' and '#' are wildcards
 * that a publisher may not use, and a leading '/' makes an empty first
 * level. Control characters are refused too (the spec says SHOULD NOT).
 */
static int key_mqtt_topic(struct pctx *p, const cJSON *v, const char *path)
{
	const char *s = get_str(v);
	size_t n;
	struct qbuf q;

	if (s == NULL) {
		return perr(p, "%s: must be a string", path);
	}
	n = slen_max(s, CFG_TOPIC_MAX + 1);
	if (n == 0 || n > CFG_TOPIC_MAX) {
		return perr(p, "%s: must be 1 to 64 bytes long", path);
	}
	if (s[0] == '/') {
		return perr(p, "%s: \"%s\" must not start with '/'", path, quote(&q, s));
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '+' || ch == '#' || ch < 0x20u || ch == 0x7fu) {
			return perr(p, "%s: \"%s\" must not contain '+', '#' or control characters",
				    path, quote(&q, s));
		}
	}
	if (!utf8_valid((const unsigned char *)s, n)) {
		return perr(p, "%s: \"%s\" is not valid UTF-8", path, quote(&q, s));
	}
	memcpy(p->c->mqtt.topic_prefix, s, n + 1);
	return 0;
}

static const struct key_rule mqtt_rules[] = {
	{"host", key_mqtt_host},
	{"port", key_mqtt_port},
	{"topic_prefix", key_mqtt_topic},
};

static int key_mqtt(struct pctx *p, const cJSON *v, const char *path)
{
	if (!cJSON_IsObject(v)) {
		return perr(p, "%s: must be an object", path);
	}
	return walk_object(p, v, "mqtt.", mqtt_rules, ARRAY_LEN(mqtt_rules));
}

static const struct key_rule top_rules[] = {
	{"mode", key_mode},
	{"threshold_mb", key_threshold},
	{"window_s", key_window},
	{"quarantine_s", key_quarantine},
	{"fail_closed", key_fail_closed},
	{"bulk", key_bulk},
	{"local_nets", key_local_nets},
	{"allow", key_allow},
	{"mgmt", key_mgmt},
	{"syslog", key_syslog},
	{"mqtt", key_mqtt},
};

/* ---- document ------------------------------------------------------------ */

static bool is_json_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int json_err(struct pctx *p, const char *text, size_t off, const char *why)
{
	size_t line = 1;
	size_t col = 1;

	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return perr(p, "invalid JSON at line %zu, column %zu%s", line, col, why);
}

/*
 * cJSON is lenient where strict JSON is not: it skips any byte <= 0x20 as
 * white space, keeps raw control characters in strings, and turns
 * "\u0000" into a NUL that silently cuts the string short. Find the first
 * such spot in text[0..len), or return len. Only runs on text cJSON
 * accepted, where a backslash can only start an escape inside a string.
 */
static size_t find_lenient(const char *text, size_t len, bool *nul_escape)
{
	*nul_escape = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch < 0x20u && !is_json_ws((char)ch)) {
			return i;
		}
		if (ch == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && len - i >= 6 &&
			    memcmp(text + i + 2, "0000", 4) == 0) {
				*nul_escape = true;
				return i;
			}
			i++;
		}
	}
	return len;
}

/* text is NUL-terminated at text[len]. */
static int parse_text(struct pctx *p, const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	size_t off;
	bool nul_escape;
	int rc;

	if (root == NULL) {
		off = (end != NULL && end >= text && end <= text + len) ? (size_t)(end - text) : 0;
		return json_err(p, text, off, "");
	}
	/* cJSON stops after the first value; only white space may follow. */
	off = (end != NULL && end >= text && end <= text + len) ? (size_t)(end - text) : len;
	while (off < len && is_json_ws(text[off])) {
		off++;
	}
	if (off < len) {
		cJSON_Delete(root);
		return json_err(p, text, off, "");
	}
	off = find_lenient(text, len, &nul_escape);
	if (off < len) {
		cJSON_Delete(root);
		return json_err(p, text, off,
				nul_escape ? ": \\u0000 is not allowed in a string" : "");
	}
	if (!cJSON_IsObject(root)) {
		rc = perr(p, "top level: must be a JSON object");
	} else {
		rc = walk_object(p, root, "", top_rules, ARRAY_LEN(top_rules));
	}
	if (rc == 0) {
		rc = check_mgmt(p);
	}
	cJSON_Delete(root);
	return rc;
}

int cfg_parse(const char *json, size_t len, struct cfg *out, char *err, size_t errlen)
{
	struct pctx p = {.c = NULL, .err = err, .errlen = errlen};
	struct cfg *scratch;
	char *text;
	int rc;

	if (err != NULL && errlen > 0) {
		err[0] = '\0';
	}
	if (out == NULL || (json == NULL && len > 0)) {
		return perr(&p, "top level: no document");
	}
	if (len > CFG_DOC_MAX) {
		return perr(&p, "top level: document larger than %u bytes", CFG_DOC_MAX);
	}
	/*
	 * A private NUL-terminated copy: cJSON then cannot read past the
	 * caller's buffer whatever its length handling does.
	 */
	text = malloc(len + 1);
	scratch = malloc(sizeof(*scratch));
	if (text == NULL || scratch == NULL) {
		free(text);
		free(scratch);
		(void)perr(&p, "top level: out of memory");
		return -ENOMEM;
	}
	if (len > 0) {
		memcpy(text, json, len);
	}
	text[len] = '\0';
	cfg_default(scratch);
	p.c = scratch;
	rc = parse_text(&p, text, len);
	if (rc == 0) {
		memcpy(out, scratch, sizeof(*out));
	}
	free(text);
	free(scratch);
	return rc;
}

/* ---- format --------------------------------------------------------------- */

static void fmt_threshold(struct obuf *o, uint64_t bytes)
{
	uint64_t mb = bytes / 1000000u;
	uint64_t frac = bytes % 1000000u;
	char f[8];
	size_t n;

	ob_printf(o, "%" PRIu64, mb);
	if (frac == 0) {
		return;
	}
	/* Exact decimal from integers, trailing zeros trimmed: 2500000 -> "2.5". */
	(void)snprintf(f, sizeof(f), "%06" PRIu64, frac);
	n = 6;
	while (n > 0 && f[n - 1] == '0') {
		n--;
	}
	ob_write(o, ".", 1);
	ob_write(o, f, n);
}

static void fmt_key(struct obuf *o, const char *indent, const char *key)
{
	ob_puts(o, indent);
	ob_str(o, key, SIZE_MAX);
	ob_puts(o, ": ");
}

static void fmt_mgmt(struct obuf *o, const struct cfg *c)
{
	ob_puts(o, "  \"mgmt\": {\n");
	fmt_key(o, "    ", "dhcp");
	ob_puts(o, c->mgmt.dhcp ? "true,\n" : "false,\n");
	fmt_key(o, "    ", "address");
	ob_puts(o, "\"");
	if (c->mgmt.has_address) {
		ob_cidr(o, &c->mgmt.address, false);
	}
	ob_puts(o, "\",\n");
	fmt_key(o, "    ", "gateway");
	ob_puts(o, "\"");
	if (c->mgmt.has_gateway) {
		ob_ip(o, 4, c->mgmt.gateway);
	}
	ob_puts(o, "\",\n");
	fmt_key(o, "    ", "dns");
	ob_puts(o, "\"");
	if (c->mgmt.has_dns) {
		ob_ip(o, c->mgmt.dns.family, c->mgmt.dns.addr);
	}
	ob_puts(o, "\",\n");
	fmt_key(o, "    ", "hostname");
	ob_str(o, c->mgmt.hostname, sizeof(c->mgmt.hostname));
	ob_puts(o, ",\n");
	fmt_key(o, "    ", "ntp");
	ob_str(o, c->mgmt.ntp, sizeof(c->mgmt.ntp));
	ob_puts(o, ",\n");
	fmt_key(o, "    ", "from_wan");
	ob_puts(o, c->mgmt.from_wan ? "true,\n" : "false,\n");
	fmt_key(o, "    ", "mac");
	char mac[18] = "";
	if (c->mgmt.has_mac) {
		const uint8_t *b = c->mgmt.mac;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
			 b[4], b[5]);
	}
	ob_str(o, mac, sizeof(mac));
	ob_puts(o, "\n");
	ob_puts(o, "  },\n");
}

static void fmt_exports(struct obuf *o, const struct cfg *c)
{
	ob_puts(o, "  \"syslog\": {\n");
	fmt_key(o, "    ", "host");
	ob_str(o, c->syslog.target.host, sizeof(c->syslog.target.host));
	ob_printf(o, ",\n    \"port\": %u,\n", (unsigned)c->syslog.target.port);
	fmt_key(o, "    ", "proto");
	ob_puts(o, c->syslog.tcp ? "\"tcp\"\n" : "\"udp\"\n");
	ob_puts(o, "  },\n");

	ob_puts(o, "  \"mqtt\": {\n");
	fmt_key(o, "    ", "host");
	ob_str(o, c->mqtt.target.host, sizeof(c->mqtt.target.host));
	ob_printf(o, ",\n    \"port\": %u,\n", (unsigned)c->mqtt.target.port);
	fmt_key(o, "    ", "topic_prefix");
	ob_str(o, c->mqtt.topic_prefix, sizeof(c->mqtt.topic_prefix));
	ob_puts(o, "\n  }\n");
}

static void fmt_lists(struct obuf *o, const struct cfg *c)
{
	ob_puts(o, c->n_local > 0 ? "  \"local_nets\": [\n" : "  \"local_nets\": [],\n");
	for (size_t i = 0; i < c->n_local; i++) {
		ob_puts(o, "    \"");
		ob_cidr(o, &c->local_nets[i], false);
		ob_puts(o, i + 1 < c->n_local ? "\",\n" : "\"\n  ],\n");
	}
	ob_puts(o, c->n_allow > 0 ? "  \"allow\": [\n" : "  \"allow\": [],\n");
	for (size_t i = 0; i < c->n_allow; i++) {
		const struct cfg_allow *a = &c->allow[i];

		ob_puts(o, "    \"");
		if (a->kind == CFG_ALLOW_CIDR) {
			ob_cidr(o, &a->cidr, true);
		} else {
			if (a->kind == CFG_ALLOW_SUFFIX) {
				ob_puts(o, "*.");
			}
			/* Names hold only [a-z0-9._-]: nothing to escape. */
			ob_write(o, a->name, slen_max(a->name, sizeof(a->name)));
		}
		ob_puts(o, i + 1 < c->n_allow ? "\",\n" : "\"\n  ],\n");
	}
}

int cfg_format(const struct cfg *c, char *buf, size_t size)
{
	struct obuf o = {buf, size, 0, false};

	/* c comes from cfg_default() or cfg_parse(); refuse what would index
	 * past the arrays rather than format garbage. */
	if (c == NULL || c->mode >= ARRAY_LEN(mode_names) || c->n_local > CONFIG_CFG_MAX_NETS ||
	    c->n_allow > CONFIG_CFG_MAX_ALLOW) {
		return -EINVAL;
	}
	if (buf == NULL || size == 0) {
		return -ENOSPC;
	}
	buf[0] = '\0';
	ob_puts(&o, "{\n  \"mode\": ");
	ob_str(&o, cfg_mode_name(c->mode), SIZE_MAX);
	ob_puts(&o, ",\n  \"threshold_mb\": ");
	fmt_threshold(&o, c->threshold_bytes);
	ob_printf(&o, ",\n  \"window_s\": %u", (unsigned)c->window_s);
	ob_printf(&o, ",\n  \"quarantine_s\": %u", (unsigned)c->quarantine_s);
	ob_puts(&o, c->fail_closed ? ",\n  \"fail_closed\": true" : ",\n  \"fail_closed\": false");
	ob_puts(&o, c->bulk ? ",\n  \"bulk\": true,\n" : ",\n  \"bulk\": false,\n");
	fmt_lists(&o, c);
	fmt_mgmt(&o, c);
	fmt_exports(&o, c);
	ob_puts(&o, "}\n");
	if (o.full || o.len >= size || o.len > INT_MAX) {
		return -ENOSPC;
	}
	return (int)o.len;
}
