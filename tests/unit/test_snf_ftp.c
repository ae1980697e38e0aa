/*
 * Unit tests for the FTP control carrier (snf_ftp). The transcripts follow
 * what curl 7.88 sends and vsftpd 3.0.3 answers (greeting, EPSV first, then
 * PASV with --disable-epsv, EPRT with -P, PORT with --disable-eprt, APPE with
 * --append), written out by hand. Every transcript is also fed split at every
 * offset of every step, and in random pieces, and must give the same calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "snf.h"
#include "snf_ftp.h"

#define LOG_MAX     8192
#define EXPECTS_MAX 8

struct rec {
	char log[LOG_MAX];
	size_t log_len;
	struct snf_expect e[EXPECTS_MAX];
	size_t ne;
};

static void t_expect(void *ctx, const struct snf_expect *e)
{
	struct rec *r = ctx;
	char lan[INET6_ADDRSTRLEN];
	char rem[INET6_ADDRSTRLEN];
	int af = e->family == 6 ? AF_INET6 : AF_INET;
	int n;

	/* Every string the carrier hands over is terminated within its field. */
	assert_true(memchr(e->file, '\0', sizeof(e->file)) != NULL);
	assert_non_null(inet_ntop(af, e->lan_addr, lan, sizeof(lan)));
	assert_non_null(inet_ntop(af, e->remote_addr, rem, sizeof(rem)));
	n = snprintf(r->log + r->log_len, LOG_MAX - r->log_len,
		     "X kind=%u fam=%u proto=%u up=%d lan=%s/%u rem=%s/%u pt=%u file=%s\n", e->kind,
		     e->family, e->proto, e->upload, lan, e->lan_port, rem, e->remote_port,
		     e->rtp_pt, e->file);
	assert_true(n > 0 && (size_t)n < LOG_MAX - r->log_len);
	r->log_len += (size_t)n;
	assert_true(r->ne < EXPECTS_MAX);
	r->e[r->ne++] = *e;
}

/* Carriers other than HTTP must not call these for FTP control. */
static void t_name(void *ctx, const char *name)
{
	(void)ctx;
	fail_msg("name(%s) called", name);
}

static void t_begin(void *ctx, const char *carrier, const char *file)
{
	(void)ctx;
	fail_msg("body_begin(%s, %s) called", carrier, file);
}

static struct snf_sink sink_of(struct rec *r)
{
	struct snf_sink k = {.name = t_name, .body_begin = t_begin, .expect = t_expect, .ctx = r};
	return k;
}

/*
 * One step of a dialog: C: client command (SNF_OUT), S: server reply (SNF_IN).
 * A dialog ends with {0, NULL}.
 */
struct step {
	char who;
	const char *text;
};

static size_t step_len(const struct step *st)
{
	return strlen(st->text);
}

/*
 * Feed a dialog; step split_step is fed in pieces ending at cuts[]. Returns the
 * last result and appends it to the log.
 */
static enum snf_res run(const struct step *d, size_t split_step, const size_t *cuts, size_t ncuts,
			struct rec *r)
{
	struct snf_ftp f;
	struct snf_sink k = sink_of(r);
	enum snf_res res = SNF_MORE;

	snf_ftp_init(&f);
	for (size_t i = 0; d[i].text != NULL; i++) {
		enum snf_dir dir = d[i].who == 'C' ? SNF_OUT : SNF_IN;
		const uint8_t *p = (const uint8_t *)d[i].text;
		size_t len = step_len(&d[i]);
		size_t at = 0;
		for (size_t c = 0; i == split_step && c < ncuts; c++) {
			res = snf_ftp_feed(&f, dir, p + at, cuts[c] - at, &k);
			at = cuts[c];
		}
		res = snf_ftp_feed(&f, dir, p + at, len - at, &k);
	}
	snprintf(r->log + r->log_len, LOG_MAX - r->log_len, "= %d\n", (int)res);
	return res;
}

static uint32_t prng;

static uint32_t rnd(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 17;
	prng ^= prng << 5;
	return prng;
}

static void check_splits(const struct step *d, const struct rec *ref)
{
	size_t cuts[4096];
	struct rec r;

	for (size_t i = 0; d[i].text != NULL; i++) {
		size_t len = step_len(&d[i]);
		for (size_t at = 0; at <= len; at++) {
			memset(&r, 0, sizeof(r));
			run(d, i, &at, 1, &r);
			if (strcmp(r.log, ref->log) != 0) {
				fail_msg("step %zu split at %zu:\n--- whole\n%s--- split\n%s", i,
					 at, ref->log, r.log);
			}
		}
		prng = 0x9e3779b9u;
		for (int n = 0; n < 10; n++) {
			size_t nc = 0;
			for (size_t at = 0; nc < 4096;) {
				at += 1 + rnd() % 7;
				if (at >= len) {
					break;
				}
				cuts[nc++] = at;
			}
			memset(&r, 0, sizeof(r));
			run(d, i, cuts, nc, &r);
			assert_string_equal(r.log, ref->log);
		}
	}
}

static struct rec *dialog(const struct step *d, enum snf_res want)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(run(d, SIZE_MAX, NULL, 0, r), want);
	check_splits(d, r);
	return r;
}

static const char GREETING[] = "220 (vsFTPd 3.0.3)\r\n";

/* curl -T meeting.mp4 ftp://server/upload/ : EPSV is curl's first choice. */
static const struct step EPSV_STOR[] = {
	{'S', GREETING},
	{'C', "USER anonymous\r\n"},
	{'S', "331 Please specify the password.\r\n"},
	{'C', "PASS ftp@example.com\r\n"},
	{'S', "230 Login successful.\r\n"},
	{'C', "PWD\r\n"},
	{'S', "257 \"/\" is the current directory\r\n"},
	{'C', "CWD upload\r\n"},
	{'S', "250 Directory successfully changed.\r\n"},
	{'C', "EPSV\r\n"},
	{'S', "229 Entering Extended Passive Mode (|||40123|)\r\n"},
	{'C', "TYPE I\r\n"},
	{'S', "200 Switching to Binary mode.\r\n"},
	{'C', "STOR meeting.mp4\r\n"},
	{'S', "150 Ok to send data.\r\n"},
	{'S', "226 Transfer complete.\r\n"},
	{'C', "QUIT\r\n"},
	{'S', "221 Goodbye.\r\n"},
	{0, NULL},
};

static void test_epsv_stor(void **state)
{
	struct rec *r = dialog(EPSV_STOR, SNF_MORE);

	(void)state;
	assert_int_equal(r->ne, 1);
	assert_string_equal(r->log, "X kind=0 fam=0 proto=6 up=1 lan=0.0.0.0/0 rem=0.0.0.0/40123 "
				    "pt=255 file=meeting.mp4\n= 0\n");
	free(r);
}

/* curl --disable-epsv: PASV, vsftpd's reply with the trailing dot. */
static const struct step PASV_STOR[] = {
	{'S', "220-Welcome to the office archive.\r\n220-Be nice.\r\n220 Ready\r\n"},
	{'C', "USER rec\r\n"},
	{'S', "331 Please specify the password.\r\n"},
	{'C', "PASS secret\r\n"},
	{'S', "230 Login successful.\r\n"},
	{'C', "FEAT\r\n"},
	{'S', "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n"
	      " TVFS\r\n227 not a reply inside FEAT (1,2,3,4,5,6)\r\n211 End\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (192,0,2,10,156,64).\r\n"},
	{'C', "TYPE I\r\n"},
	{'S', "200 Switching to Binary mode.\r\n"},
	{'C', "STOR /home/rec/2020-07-04 board meeting.mp4\r\n"},
	{'S', "150 Ok to send data.\r\n226 Transfer complete.\r\n"},
	{0, NULL},
};

static void test_pasv_stor(void **state)
{
	struct rec *r = dialog(PASV_STOR, SNF_MORE);

	(void)state;
	assert_int_equal(r->ne, 1);
	assert_int_equal(r->e[0].family, 4);
	assert_int_equal(r->e[0].remote_port, 40000);
	assert_int_equal(r->e[0].lan_port, 0);
	assert_true(r->e[0].upload);
	assert_memory_equal(r->e[0].remote_addr, "\xc0\x00\x02\x0a", 4);
	assert_string_equal(r->e[0].file, "/home/rec/2020-07-04 board meeting.mp4");
	assert_int_equal(r->e[0].media.video[0], 0);
	free(r);
}

/* curl -P - --append: active mode, EPRT with IPv4. */
static const struct step EPRT_APPE[] = {
	{'S', GREETING},
	{'C', "USER cam\r\n"},
	{'S', "331 Please specify the password.\r\n"},
	{'C', "PASS x\r\n"},
	{'S', "230 Login successful.\r\n"},
	{'C', "EPRT |1|192.168.1.20|41235|\r\n"},
	{'S', "200 EPRT command successful. Consider using EPSV.\r\n"},
	{'C', "TYPE I\r\n"},
	{'S', "200 Switching to Binary mode.\r\n"},
	{'C', "APPE cam1/day.mjpeg\r\n"},
	{'S', "150 Ok to send data.\r\n226 Transfer complete.\r\n"},
	{0, NULL},
};

static void test_eprt_appe(void **state)
{
	struct rec *r = dialog(EPRT_APPE, SNF_MORE);

	(void)state;
	assert_string_equal(r->log, "X kind=0 fam=4 proto=6 up=1 lan=192.168.1.20/41235 "
				    "rem=0.0.0.0/0 pt=255 file=cam1/day.mjpeg\n= 0\n");
	free(r);
}

/* curl -P - --disable-eprt, a download: PORT then RETR. */
static const struct step PORT_RETR[] = {
	{'S', GREETING},
	{'C', "USER a\r\n"},
	{'S', "331 Please specify the password.\r\n"},
	{'C', "PASS b\r\n"},
	{'S', "230 Login successful.\r\n"},
	{'C', "PORT 10,1,2,3,161,19\r\n"},
	{'S', "200 PORT command successful. Consider using PASV.\r\n"},
	{'C', "RETR movie.mkv\r\n"},
	{'S', "150 Opening BINARY mode data connection for movie.mkv (1234 bytes).\r\n"},
	{0, NULL},
};

static void test_port_retr(void **state)
{
	struct rec *r = dialog(PORT_RETR, SNF_MORE);

	(void)state;
	assert_string_equal(r->log, "X kind=0 fam=4 proto=6 up=0 lan=10.1.2.3/41235 "
				    "rem=0.0.0.0/0 pt=255 file=movie.mkv\n= 0\n");
	free(r);
}

/* Active mode over IPv6, and a few IPv6 spellings. */
static const struct step EPRT6[] = {
	{'S', GREETING},
	{'C', "USER a\r\n"},
	{'C', "EPRT |2|2001:db8::20|41236|\r\n"},
	{'C', "STOR a.mp4\r\n"},
	{'C', "eprt !2!::ffff:192.0.2.1!7000!\r\n"},
	{'C', "stor b.mp4\r\n"},
	{'C', "EPRT |2|2001:db8:1:2:3:4:5:6|7001|\r\n"},
	{'C', "STOR c.mp4\r\n"},
	{'C', "EPRT |2|fe80::|7002|\r\n"},
	{'C', "STOR d.mp4\r\n"},
	/* Invalid: two "::", too many groups, bad family, port 0. */
	{'C', "EPRT |2|1::2::3|7003|\r\nSTOR e\r\n"},
	{'C', "EPRT |2|1:2:3:4:5:6:7:8:9|7004|\r\nSTOR f\r\n"},
	{'C', "EPRT |3|1.2.3.4|7005|\r\nSTOR g\r\n"},
	{'C', "EPRT |1|1.2.3.4|0|\r\nSTOR h\r\nEPRT |1|1.2.3.256|5|\r\nSTOR i\r\n"},
	{0, NULL},
};

static void test_eprt_ipv6(void **state)
{
	struct rec *r = dialog(EPRT6, SNF_MORE);

	(void)state;
	assert_string_equal(
		r->log,
		"X kind=0 fam=6 proto=6 up=1 lan=2001:db8::20/41236 rem=::/0 pt=255 file=a.mp4\n"
		"X kind=0 fam=6 proto=6 up=1 lan=::ffff:192.0.2.1/7000 rem=::/0 pt=255 file=b.mp4\n"
		"X kind=0 fam=6 proto=6 up=1 lan=2001:db8:1:2:3:4:5:6/7001 rem=::/0 pt=255 "
		"file=c.mp4\n"
		"X kind=0 fam=6 proto=6 up=1 lan=fe80::/7002 rem=::/0 pt=255 file=d.mp4\n"
		"= 0\n");
	free(r);
}

/* A listing uses the announced address; odd 227 forms; STOU without a name. */
static const struct step PASV_FORMS[] = {
	{'S', GREETING},
	{'C', "USER a\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (192,0,2,10,156,64).\r\n"},
	{'C', "LIST\r\n"},
	{'C', "STOR not-paired.mp4\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (0,0,0,0,4,1)\r\n"},
	{'C', "STOU\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 =198,51,100,7,0,21\r\n"},
	{'C', "APPE x\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (300,0,2,10,156,64).\r\n"},
	{'C', "STOR bad-address\r\n"},
	{'C', "PASV\r\n"},
	{'S', "227 Entering Passive Mode (1,2,3,4,5)\r\n"},
	{'C', "STOR short\r\n"},
	{'C', "EPSV\r\n"},
	{'S', "229 Entering Extended Passive Mode (|||0|)\r\n"},
	{'C', "STOR port-zero\r\n"},
	{'C', "EPSV\r\n"},
	{'S', "229 Extended Passive Mode OK (!!!65535!)\r\n"},
	{'C', "RETR last\r\n"},
	{0, NULL},
};

static void test_pasv_forms(void **state)
{
	struct rec *r = dialog(PASV_FORMS, SNF_MORE);

	(void)state;
	assert_string_equal(
		r->log,
		"X kind=0 fam=0 proto=6 up=1 lan=0.0.0.0/0 rem=0.0.0.0/1025 pt=255 file=\n"
		"X kind=0 fam=4 proto=6 up=1 lan=0.0.0.0/0 rem=198.51.100.7/21 pt=255 file=x\n"
		"X kind=0 fam=0 proto=6 up=0 lan=0.0.0.0/0 rem=0.0.0.0/65535 pt=255 file=last\n"
		"= 0\n");
	free(r);
}

/* Noise, over-long lines and a long path do not derail the dialog. */
static void test_garbage_and_long_lines(void **state)
{
	static char longcmd[700];
	static char longreply[600];
	static char longpath[400];
	struct step d[] = {
		{'S', GREETING},
		{'C', "USER a\r\n"},
		{'C', "\x01\x02\xfe garbage\r\n\r\nXYZZY now\r\n"},
		{'S', "\x07\x17 binary noise\r\nnot a reply\r\n"},
		{'C', longcmd},
		{'S', longreply},
		{'C', "PASV\r\n"},
		{'S', "227 Entering Passive Mode (192,0,2,10,156,64).\r\n"},
		{'C', longpath},
		{0, NULL},
	};
	struct rec *r;
	char want[160];

	(void)state;
	/* A PORT hidden beyond the line limit must not count. */
	memset(longcmd, 'A', sizeof(longcmd) - 1);
	memcpy(longcmd, "PORT 1,2,3,4,5,6 ", 17);
	memcpy(longcmd + sizeof(longcmd) - 3, "\r\n", 2);
	memset(longreply, 'B', sizeof(longreply) - 1);
	memcpy(longreply, "227 (1,2,3,4,5,6) ", 18);
	memcpy(longreply + sizeof(longreply) - 3, "\r\n", 2);
	memset(longpath, 'p', sizeof(longpath) - 1);
	memcpy(longpath, "STOR /", 6);
	memcpy(longpath + sizeof(longpath) - 3, "\r\n", 2);
	r = dialog(d, SNF_MORE);
	assert_int_equal(r->ne, 1);
	assert_int_equal(r->e[0].remote_port, 40000);
	assert_int_equal(strlen(r->e[0].file), sizeof(r->e[0].file) - 1);
	snprintf(want, sizeof(want), "/%.126s", longpath + 6);
	assert_string_equal(r->e[0].file, want);
	free(r);
}

/* Paths go into logs: control bytes are replaced. */
static void test_path_sanitized(void **state)
{
	static const struct step d[] = {
		{'C', "USER a\r\n"},
		{'C', "PORT 10,0,0,1,0,80\r\n"},
		{'C', "STOR a\tb\x1b[31m\xc3\xa9.mp4\r\n"},
		{0, NULL},
	};
	struct rec *r = dialog(d, SNF_MORE);

	(void)state;
	assert_string_equal(r->e[0].file, "a_b_[31m__.mp4");
	free(r);
}

static void test_not_ftp(void **state)
{
	static const struct step http_srv[] = {{'S', "HTTP/1.1 200 OK\r\n"}, {0, NULL}};
	static const struct step http_cl[] = {{'C', "GET / HTTP/1.1\r\n"}, {0, NULL}};
	static const struct step smtp[] = {
		{'S', "220 mail ESMTP\r\n"}, {'C', "EHLO x\r\n"}, {0, NULL}};
	static const struct step tls[] = {{'C', "\x16\x03\x01\x02\x05\x01\x07\x01\xfc\x03\n"},
					  {0, NULL}};
	static const struct step auth[] = {{'S', GREETING},
					   {'C', "AUTH TLS\r\n"},
					   {'S', "234 Proceed with negotiation.\r\n"},
					   {'C', "\x16\x03\x01 PORT 1,2,3,4,5,6\r\nSTOR x\r\n"},
					   {0, NULL}};
	static char longfirst[600];
	struct step lf[] = {{'S', longfirst}, {0, NULL}};

	(void)state;
	free(dialog(http_srv, SNF_NOT));
	free(dialog(http_cl, SNF_NOT));
	free(dialog(smtp, SNF_NOT));
	free(dialog(tls, SNF_NOT));
	struct rec *r = dialog(auth, SNF_NOT);
	assert_int_equal(r->ne, 0);
	free(r);
	/* No newline within the line limit: decided without waiting for one. */
	memset(longfirst, '2', sizeof(longfirst) - 1);
	free(dialog(lf, SNF_NOT));
}

/* A client command can arrive between two halves of a server line. */
static void test_interleaved(void **state)
{
	struct snf_ftp f;
	struct rec r;
	struct snf_sink k = sink_of(&r);

	(void)state;
	memset(&r, 0, sizeof(r));
	snf_ftp_init(&f);
	assert_int_equal(snf_ftp_feed(&f, SNF_IN, (const uint8_t *)GREETING, 20, &k), SNF_MORE);
	assert_int_equal(snf_ftp_feed(&f, SNF_OUT, (const uint8_t *)"PAS", 3, &k), SNF_MORE);
	assert_int_equal(snf_ftp_feed(&f, SNF_IN, (const uint8_t *)"227 (10,0,0,", 12, &k),
			 SNF_MORE);
	assert_int_equal(snf_ftp_feed(&f, SNF_OUT, (const uint8_t *)"V\r\nSTOR ", 8, &k), SNF_MORE);
	assert_int_equal(snf_ftp_feed(&f, SNF_IN, (const uint8_t *)"9,1,2)\r\n", 8, &k), SNF_MORE);
	assert_int_equal(snf_ftp_feed(&f, SNF_OUT, (const uint8_t *)"v.mp4\r\n", 7, &k), SNF_MORE);
	assert_int_equal(r.ne, 1);
	assert_int_equal(r.e[0].remote_port, 258);
	assert_string_equal(r.e[0].file, "v.mp4");
}

/* Telnet IAC IP IAC DM before ABOR (RFC 959 4.1.3); a NULL sink. */
static void test_iac_and_null_sink(void **state)
{
	static const struct step d[] = {
		{'C', "\xff\xf4\xff\xf2"
		      "ABOR\r\n"},
		{'C', "PORT 10,0,0,1,0,80\r\nSTOR x\r\n"},
		{0, NULL},
	};
	struct snf_ftp f;

	(void)state;
	free(dialog(d, SNF_MORE));
	snf_ftp_init(&f);
	assert_int_equal(snf_ftp_feed(&f, SNF_OUT, (const uint8_t *)d[1].text, 28, NULL), SNF_MORE);
	printf("sizeof(struct snf_ftp) = %zu\n", sizeof(f));
	assert_true(sizeof(f) <= 640);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epsv_stor),
		cmocka_unit_test(test_pasv_stor),
		cmocka_unit_test(test_eprt_appe),
		cmocka_unit_test(test_port_retr),
		cmocka_unit_test(test_eprt_ipv6),
		cmocka_unit_test(test_pasv_forms),
		cmocka_unit_test(test_garbage_and_long_lines),
		cmocka_unit_test(test_path_sanitized),
		cmocka_unit_test(test_not_ftp),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_iac_and_null_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
