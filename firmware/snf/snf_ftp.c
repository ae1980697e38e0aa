/*
 * snf_ftp: the FTP control channel carrier (see snf_ftp.h for the contract).
 *
 * Each direction collects its own line, because the engine may feed a
 * partial server line, then client bytes, then the rest of the server line.
 * A complete line is parsed through a pcur cursor over the kept bytes.
 */
#include "snf_ftp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pcur.h"
#include "snf.h"

/* Commands of RFC 959, 2228, 2389, 2428, 3659 and common extensions. */
static const char *const FTP_CMDS[] = {
	"ABOR", "ACCT", "ADAT", "ALLO", "APPE", "AUTH", "AVBL", "CCC",  "CDUP", "CLNT", "CONF",
	"CWD",  "DELE", "ENC",  "EPRT", "EPSV", "FEAT", "HELP", "HOST", "LANG", "LIST", "LPRT",
	"LPSV", "MDTM", "MFMT", "MIC",  "MKD",  "MLSD", "MLST", "MODE", "NLST", "NOOP", "OPTS",
	"PASS", "PASV", "PBSZ", "PORT", "PROT", "PWD",  "QUIT", "REIN", "REST", "RETR", "RMD",
	"RNFR", "RNTO", "SITE", "SIZE", "SMNT", "STAT", "STOR", "STOU", "STRU", "SYST", "TYPE",
	"USER", "XCUP", "XCWD", "XMKD", "XPWD", "XRMD",
};

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Peek at the next byte; 0 at the end of the line (lines hold no NUL that matters). */
static uint8_t peek(const struct pcur *c)
{
	return pcur_left(c) > 0 ? *pcur_ptr(c) : 0;
}

/* Take byte ch, or fail and leave the cursor. */
static bool take(struct pcur *c, uint8_t ch)
{
	if (peek(c) != ch || pcur_left(c) == 0) {
		return false;
	}
	return pcur_skip(c, 1) == 0;
}

/* A decimal number of 1 to 5 digits, at most max. */
static bool dec(struct pcur *c, uint32_t max, uint32_t *v)
{
	uint32_t n = 0;
	size_t digits = 0;
	uint8_t d;

	while (digits < 5 && pcur_left(c) > 0 && is_digit(peek(c))) {
		(void)pcur_u8(c, &d);
		n = n * 10 + (uint32_t)(d - '0');
		digits++;
	}
	if (digits == 0 || n > max || (pcur_left(c) > 0 && is_digit(peek(c)))) {
		return false;
	}
	*v = n;
	return true;
}

static int hexval(uint8_t c)
{
	if (is_digit(c)) {
		return c - '0';
	}
	c = (uint8_t)(c | 0x20);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Dotted-quad IPv4, network order. */
static bool parse_ip4(struct pcur *c, uint8_t a[4])
{
	uint32_t v;

	for (size_t i = 0; i < 4; i++) {
		if ((i > 0 && !take(c, '.')) || !dec(c, 255, &v)) {
			return false;
		}
		a[i] = (uint8_t)v;
	}
	return true;
}

/* One IPv6 group of 1 to 4 hex digits. */
static bool hex16(struct pcur *c, uint16_t *v)
{
	uint32_t n = 0;
	size_t digits = 0;
	uint8_t d;

	while (digits < 4 && pcur_left(c) > 0 && hexval(peek(c)) >= 0) {
		(void)pcur_u8(c, &d);
		n = n << 4 | (uint32_t)hexval(d);
		digits++;
	}
	*v = (uint16_t)n;
	return digits > 0 && !(pcur_left(c) > 0 && hexval(peek(c)) >= 0);
}

/*
 * Textual IPv6 (RFC 4291 2.2): hex groups, at most one "::", an optional
 * IPv4 tail. Groups are parsed into a[] in order; those after "::" are then
 * moved to the end.
 */
static bool parse_ip6(struct pcur *c, uint8_t a[16])
{
	size_t n = 0;   /* bytes filled */
	size_t gap = 0; /* bytes before "::" */
	bool has_gap = false;

	memset(a, 0, 16);
	if (take(c, ':')) {
		if (!take(c, ':')) {
			return false;
		}
		has_gap = true;
	}
	while (n < 16) {
		struct pcur save = *c;
		uint16_t v;
		if (n <= 12 && parse_ip4(c, a + n)) {
			n += 4;
			break;
		}
		*c = save;
		if (!hex16(c, &v)) {
			break;
		}
		a[n++] = (uint8_t)(v >> 8);
		a[n++] = (uint8_t)v;
		if (!take(c, ':')) {
			break;
		}
		if (take(c, ':')) {
			if (has_gap) {
				return false;
			}
			has_gap = true;
			gap = n;
		}
	}
	if (!has_gap) {
		return n == 16;
	}
	memmove(a + 16 - (n - gap), a + gap, n - gap);
	memset(a + gap, 0, 16 - n);
	return true;
}

static void sk_expect(const struct snf_sink *sink, const struct snf_expect *e)
{
	if (sink != NULL && sink->expect != NULL) {
		sink->expect(sink->ctx, e);
	}
}

/* A transfer command: the announced data address belongs to it. */
static void transfer(struct snf_ftp *s, const struct snf_sink *sink, bool upload, struct pcur *arg)
{
	struct snf_expect e;
	size_t n = pcur_left(arg);

	if (!s->pend) {
		return;
	}
	s->pend = false;
	memset(&e, 0, sizeof(e));
	e.kind = SNF_EXP_FTP_DATA;
	e.proto = 6;
	e.family = s->pend_family;
	e.upload = upload;
	e.rtp_pt = 0xff;
	if (s->pend_lan) {
		memcpy(e.lan_addr, s->pend_addr, sizeof(e.lan_addr));
		e.lan_port = s->pend_port;
	} else {
		memcpy(e.remote_addr, s->pend_addr, sizeof(e.remote_addr));
		e.remote_port = s->pend_port;
	}
	if (n > sizeof(e.file) - 1) {
		n = sizeof(e.file) - 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = pcur_ptr(arg)[i];
		/* The path goes into alerts and logs as text. */
		e.file[i] = (ch < 0x20 || ch > 0x7e) ? '_' : (char)ch;
	}
	sk_expect(sink, &e);
}

static void announce(struct snf_ftp *s, bool lan, uint8_t family, const uint8_t *addr, size_t alen,
		     uint32_t port)
{
	s->pend = true;
	s->pend_lan = lan;
	s->pend_family = family;
	s->pend_port = (uint16_t)port;
	memset(s->pend_addr, 0, sizeof(s->pend_addr));
	if (alen > 0) {
		memcpy(s->pend_addr, addr, alen);
	}
}

/* h1,h2,h3,h4,p1,p2 (PORT argument, 227 reply). */
static bool parse_hostport(struct pcur *c, uint8_t a[4], uint32_t *port)
{
	uint32_t v[6];

	for (size_t i = 0; i < 6; i++) {
		if ((i > 0 && !take(c, ',')) || !dec(c, 255, &v[i])) {
			return false;
		}
	}
	for (size_t i = 0; i < 4; i++) {
		a[i] = (uint8_t)v[i];
	}
	*port = v[4] << 8 | v[5];
	return *port != 0;
}

/* EPRT <d>1<d>addr<d>port<d> (RFC 2428); d is any printable but a digit. */
static void eprt(struct snf_ftp *s, struct pcur *c)
{
	uint8_t d = peek(c);
	uint8_t a[16];
	uint32_t af;
	uint32_t port;

	if (d < 33 || d > 126 || is_digit(d) || !take(c, d) || !dec(c, 2, &af) || !take(c, d)) {
		return;
	}
	if (!((af == 1 && parse_ip4(c, a)) || (af == 2 && parse_ip6(c, a)))) {
		return;
	}
	if (take(c, d) && dec(c, 65535, &port) && port != 0 && take(c, d)) {
		announce(s, true, af == 1 ? 4 : 6, a, af == 1 ? 4 : 16, port);
	}
}

/* The command verb, upper-cased, if it is a known FTP command. */
static bool verb(struct pcur *c, char v[5])
{
	size_t n = 0;
	uint8_t ch;

	/* Telnet IAC IP / IAC DM may precede ABOR. */
	while (pcur_left(c) > 0 && peek(c) >= 0x80) {
		(void)pcur_skip(c, 1);
	}
	while (n < 4 && pcur_left(c) > 0 && ((peek(c) | 0x20) >= 'a' && (peek(c) | 0x20) <= 'z')) {
		(void)pcur_u8(c, &ch);
		v[n++] = (char)(ch & ~0x20);
	}
	v[n] = '\0';
	if (n < 3 || (pcur_left(c) > 0 && peek(c) != ' ')) {
		return false;
	}
	while (take(c, ' ')) {
	}
	for (size_t i = 0; i < sizeof(FTP_CMDS) / sizeof(FTP_CMDS[0]); i++) {
		if (strcmp(v, FTP_CMDS[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void client_line(struct snf_ftp *s, struct pcur *c, const struct snf_sink *sink)
{
	char v[5];
	uint8_t a[4];
	uint32_t port;
	bool first = s->cl.first;

	s->cl.first = false;
	if (!verb(c, v)) {
		if (first) {
			s->res = SNF_NOT;
		}
		return;
	}
	if (strcmp(v, "PORT") == 0) {
		if (parse_hostport(c, a, &port)) {
			announce(s, true, 4, a, 4, port);
		}
	} else if (strcmp(v, "EPRT") == 0) {
		eprt(s, c);
	} else if (strcmp(v, "PASV") == 0 || strcmp(v, "EPSV") == 0 || strcmp(v, "LPSV") == 0) {
		s->pend = false; /* the reply announces the address */
	} else if (strcmp(v, "STOR") == 0 || strcmp(v, "APPE") == 0 || strcmp(v, "STOU") == 0) {
		transfer(s, sink, true, c);
	} else if (strcmp(v, "RETR") == 0) {
		transfer(s, sink, false, c);
	} else if (strcmp(v, "LIST") == 0 || strcmp(v, "NLST") == 0 || strcmp(v, "MLSD") == 0) {
		s->pend = false; /* a listing used the data connection */
	}
}

/*
 * 227 reply: RFC 1123 4.1.2.6 asks to scan for the first digit rather than
 * rely on the parentheses, which some servers leave out.
 */
static void reply_227(struct snf_ftp *s, struct pcur *c)
{
	uint8_t a[4];
	uint32_t port;
	static const uint8_t zero[4];

	while (pcur_left(c) > 0 && !is_digit(peek(c))) {
		(void)pcur_skip(c, 1);
	}
	if (parse_hostport(c, a, &port)) {
		/* 0.0.0.0: "connect to where you reached me". */
		bool same = memcmp(a, zero, 4) == 0;
		announce(s, false, same ? 0 : 4, a, same ? 0 : 4, port);
	}
}

/* 229 reply: "(<d><d><d>port<d>)" (RFC 2428). */
static void reply_229(struct snf_ftp *s, struct pcur *c)
{
	uint8_t d;
	uint32_t port;

	while (pcur_left(c) > 0 && peek(c) != '(') {
		(void)pcur_skip(c, 1);
	}
	if (!take(c, '(')) {
		return;
	}
	d = peek(c);
	if (d >= 33 && d <= 126 && !is_digit(d) && take(c, d) && take(c, d) && take(c, d) &&
	    dec(c, 65535, &port) && port != 0 && take(c, d)) {
		announce(s, false, 0, NULL, 0, port);
	}
}

static void server_line(struct snf_ftp *s, struct pcur *c)
{
	const uint8_t *p = pcur_ptr(c);
	size_t n = pcur_left(c);
	bool reply = n >= 3 && is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) &&
		     (n == 3 || p[3] == ' ' || p[3] == '-');
	uint16_t code;

	if (s->sv.first) {
		s->sv.first = false;
		if (!reply) {
			s->res = SNF_NOT;
			return;
		}
	}
	if (!reply) {
		return; /* text inside a multi-line reply, or noise */
	}
	code = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
	if (s->multi != 0) {
		/* Only "<same code> " ends a multi-line reply; the rest is its text. */
		if (code == s->multi && n > 3 && p[3] == ' ') {
			s->multi = 0;
		}
		return;
	}
	if (n > 3 && p[3] == '-') {
		s->multi = code;
		return;
	}
	(void)pcur_skip(c, n > 3 ? 4 : 3);
	if (code == 227) {
		reply_227(s, c);
	} else if (code == 229) {
		reply_229(s, c);
	} else if (code == 234) {
		s->res = SNF_NOT; /* AUTH TLS accepted: the rest is encrypted */
	}
}

static void line_end(struct snf_ftp *s, bool client, const struct snf_sink *sink)
{
	struct snf_ftp_line *l = client ? &s->cl : &s->sv;
	size_t n = l->len < SNF_FTP_KEEP ? l->len : SNF_FTP_KEEP - 1;
	struct pcur c;

	if (l->len <= SNF_FTP_LINE_MAX) {
		if (n > 0 && l->b[n - 1] == '\r' && l->len == n) {
			n--;
		}
		pcur_init(&c, (const uint8_t *)l->b, n);
		if (client) {
			client_line(s, &c, sink);
		} else {
			server_line(s, &c);
		}
	}
	l->len = 0;
}

void snf_ftp_init(struct snf_ftp *s)
{
	memset(s, 0, sizeof(*s));
	s->res = SNF_MORE;
	s->cl.first = true;
	s->sv.first = true;
}

enum snf_res snf_ftp_feed(struct snf_ftp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			  const struct snf_sink *sink)
{
	bool client = dir == SNF_OUT;
	struct snf_ftp_line *l = client ? &s->cl : &s->sv;
	size_t i = 0;

	while (i < len && s->res == SNF_MORE) {
		const uint8_t *nl = memchr(buf + i, '\n', len - i);
		size_t seg = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
		size_t keep = l->len < SNF_FTP_KEEP - 1 ? SNF_FTP_KEEP - 1 - l->len : 0;

		if (keep > seg) {
			keep = seg;
		}
		memcpy(l->b + (l->len < SNF_FTP_KEEP ? l->len : 0), buf + i, keep);
		l->len = (uint16_t)(l->len +
				    (seg < SNF_FTP_LINE_MAX + 1u ? seg : SNF_FTP_LINE_MAX + 1u));
		if (l->len > SNF_FTP_LINE_MAX) {
			l->len = SNF_FTP_LINE_MAX + 1;
			if (l->first) {
				s->res = SNF_NOT; /* no FTP greeting or command is that long */
			}
		}
		i += seg;
		if (nl != NULL) {
			line_end(s, client, sink);
			i++;
		}
	}
	return (enum snf_res)s->res;
}
