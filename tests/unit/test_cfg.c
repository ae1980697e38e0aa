/*
 * Unit tests for cfg: defaults, the schema, every error message class,
 * the address parsers, prefix matching, and the parse/format round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#include <cmocka.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FMT_MAX      (256u * 1024u)

static const char full_doc[] =
	"{\n"
	"  \"mode\": \"block\",\n"
	"  \"threshold_mb\": 2.5,\n"
	"  \"window_s\": 300,\n"
	"  \"quarantine_s\": 0,\n"
	"  \"fail_closed\": true,\n"
	"  \"bulk\": true,\n"
	"  \"local_nets\": [\"10.0.0.0/8\", \"192.168.1.0/24\", \"2001:db8:1::/48\","
	" \"0.0.0.0/0\", \"fe80::/10\"],\n"
	"  \"allow\": [\"203.0.113.0/24\", \"198.51.100.7\", \"2001:DB8::1\","
	" \"Backup.Example.COM.\", \"*.Cloud.example.org\", \"_sip._tcp.example.net\"],\n"
	"  \"mgmt\": {\n"
	"    \"dhcp\": false,\n"
	"    \"address\": \"192.168.1.250/24\",\n"
	"    \"gateway\": \"192.168.1.1\",\n"
	"    \"dns\": \"2001:4860:4860::8888\",\n"
	"    \"hostname\": \"Tap-1\",\n"
	"    \"ntp\": \"pool.ntp.org\",\n"
	"    \"from_wan\": true,\n"
	"    \"mac\": \"02:1E:A7:00:00:09\"\n"
	"  },\n"
	"  \"syslog\": {\"host\": \"10.0.0.5\", \"port\": 6514, \"proto\": \"tcp\"},\n"
	"  \"mqtt\": {\"host\": \"broker.lan\", \"port\": 8883, \"topic_prefix\": \"büro/tap\"}\n"
	"}\n";

static struct cfg *new_cfg(void)
{
	struct cfg *c = malloc(sizeof(*c));

	assert_non_null(c);
	return c;
}

static int parse_str(const char *json, struct cfg *c, char *err)
{
	return cfg_parse(json, strlen(json), c, err, CFG_ERR_MAX);
}

/* Parse json, which must succeed; the caller frees the result. */
static struct cfg *parse_ok(const char *json)
{
	struct cfg *c = new_cfg();
	char err[CFG_ERR_MAX];
	int rc = parse_str(json, c, err);

	if (rc != 0) {
		print_error("unexpected error for %s: %s\n", json, err);
	}
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	return c;
}

static void cidr_eq(const struct cfg_cidr *a, const struct cfg_cidr *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->prefix, b->prefix);
	assert_memory_equal(a->addr, b->addr, sizeof(a->addr));
}

/* Field by field, so padding and unused slots do not matter. */
static void cfg_eq(const struct cfg *a, const struct cfg *b)
{
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->threshold_bytes, b->threshold_bytes);
	assert_int_equal(a->window_s, b->window_s);
	assert_int_equal(a->quarantine_s, b->quarantine_s);
	assert_int_equal(a->fail_closed, b->fail_closed);
	assert_int_equal(a->bulk, b->bulk);
	assert_int_equal(a->n_local, b->n_local);
	for (size_t i = 0; i < a->n_local; i++) {
		cidr_eq(&a->local_nets[i], &b->local_nets[i]);
	}
	assert_int_equal(a->n_allow, b->n_allow);
	for (size_t i = 0; i < a->n_allow; i++) {
		assert_int_equal(a->allow[i].kind, b->allow[i].kind);
		if (a->allow[i].kind == CFG_ALLOW_CIDR) {
			cidr_eq(&a->allow[i].cidr, &b->allow[i].cidr);
		} else {
			assert_string_equal(a->allow[i].name, b->allow[i].name);
		}
	}
	assert_int_equal(a->mgmt.dhcp, b->mgmt.dhcp);
	assert_int_equal(a->mgmt.has_address, b->mgmt.has_address);
	if (a->mgmt.has_address) {
		cidr_eq(&a->mgmt.address, &b->mgmt.address);
	}
	assert_int_equal(a->mgmt.has_gateway, b->mgmt.has_gateway);
	if (a->mgmt.has_gateway) {
		assert_memory_equal(a->mgmt.gateway, b->mgmt.gateway, 4);
	}
	assert_int_equal(a->mgmt.has_dns, b->mgmt.has_dns);
	if (a->mgmt.has_dns) {
		cidr_eq(&a->mgmt.dns, &b->mgmt.dns);
	}
	assert_string_equal(a->mgmt.hostname, b->mgmt.hostname);
	assert_string_equal(a->mgmt.ntp, b->mgmt.ntp);
	assert_int_equal(a->mgmt.from_wan, b->mgmt.from_wan);
	assert_int_equal(a->mgmt.has_mac, b->mgmt.has_mac);
	assert_memory_equal(a->mgmt.mac, b->mgmt.mac, 6);
	assert_string_equal(a->syslog.target.host, b->syslog.target.host);
	assert_int_equal(a->syslog.target.port, b->syslog.target.port);
	assert_int_equal(a->syslog.tcp, b->syslog.tcp);
	assert_string_equal(a->mqtt.target.host, b->mqtt.target.host);
	assert_int_equal(a->mqtt.target.port, b->mqtt.target.port);
	assert_string_equal(a->mqtt.topic_prefix, b->mqtt.topic_prefix);
}

static struct cfg_cidr cidr(const char *s)
{
	struct cfg_cidr c;

	memset(&c, 0, sizeof(c));
	if (cfg_parse_cidr(s, false, &c) != 0) {
		fail_msg("bad test cidr %s", s);
	}
	return c;
}

/* ---- defaults ------------------------------------------------------------ */

static void test_defaults(void **state)
{
	struct cfg *c = new_cfg();
	static const char *const nets[] = {"10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16",
					   "169.254.0.0/16", "fc00::/7",      "fe80::/10"};

	(void)state;
	memset(c, 0xa5, sizeof(*c));
	cfg_default(c);
	assert_int_equal(c->mode, CFG_MODE_MONITOR);
	assert_int_equal(c->threshold_bytes, 10000000);
	assert_int_equal(c->window_s, 600);
	assert_int_equal(c->quarantine_s, 600);
	assert_false(c->fail_closed);
	assert_false(c->bulk);
	assert_int_equal(c->n_local, ARRAY_LEN(nets));
	for (size_t i = 0; i < ARRAY_LEN(nets); i++) {
		struct cfg_cidr want = cidr(nets[i]);

		cidr_eq(&c->local_nets[i], &want);
	}
	assert_int_equal(c->n_allow, 0);
	assert_true(c->mgmt.dhcp);
	assert_false(c->mgmt.has_address);
	assert_false(c->mgmt.has_gateway);
	assert_false(c->mgmt.has_dns);
	assert_string_equal(c->mgmt.hostname, "leaktap");
	assert_string_equal(c->mgmt.ntp, "");
	assert_false(c->mgmt.from_wan);
	assert_string_equal(c->syslog.target.host, "");
	assert_int_equal(c->syslog.target.port, 514);
	assert_false(c->syslog.tcp);
	assert_string_equal(c->mqtt.target.host, "");
	assert_int_equal(c->mqtt.target.port, 1883);
	assert_string_equal(c->mqtt.topic_prefix, "leaktap");
	free(c);
}

static void test_empty_object_is_default(void **state)
{
	struct cfg *d = new_cfg();
	struct cfg *c = parse_ok(" \r\n\t{ }\n");

	(void)state;
	cfg_default(d);
	cfg_eq(c, d);
	free(c);
	c = parse_ok("\xef\xbb\xbf{}"); /* a UTF-8 BOM, as some editors write */
	cfg_eq(c, d);
	free(c);
	free(d);
}

static void test_mode_name(void **state)
{
	(void)state;
	assert_string_equal(cfg_mode_name(CFG_MODE_LEARN), "learn");
	assert_string_equal(cfg_mode_name(CFG_MODE_MONITOR), "monitor");
	assert_string_equal(cfg_mode_name(CFG_MODE_BLOCK), "block");
	assert_string_equal(cfg_mode_name(200), "unknown");
}

/* ---- a full document ------------------------------------------------------ */

static void test_full_document(void **state)
{
	struct cfg *c = parse_ok(full_doc);
	struct cfg_cidr want;

	(void)state;
	assert_int_equal(c->mode, CFG_MODE_BLOCK);
	assert_int_equal(c->threshold_bytes, 2500000);
	assert_int_equal(c->window_s, 300);
	assert_int_equal(c->quarantine_s, 0);
	assert_true(c->fail_closed);
	assert_true(c->bulk);
	assert_int_equal(c->n_local, 5);
	want = cidr("2001:db8:1::/48");
	cidr_eq(&c->local_nets[2], &want);
	want = cidr("0.0.0.0/0");
	cidr_eq(&c->local_nets[3], &want);

	assert_int_equal(c->n_allow, 6);
	assert_int_equal(c->allow[0].kind, CFG_ALLOW_CIDR);
	want = cidr("203.0.113.0/24");
	cidr_eq(&c->allow[0].cidr, &want);
	assert_int_equal(c->allow[1].kind, CFG_ALLOW_CIDR);
	want = cidr("198.51.100.7/32");
	cidr_eq(&c->allow[1].cidr, &want);
	assert_int_equal(c->allow[2].kind, CFG_ALLOW_CIDR);
	want = cidr("2001:db8::1/128");
	cidr_eq(&c->allow[2].cidr, &want);
	assert_int_equal(c->allow[3].kind, CFG_ALLOW_NAME);
	assert_string_equal(c->allow[3].name, "backup.example.com");
	assert_int_equal(c->allow[4].kind, CFG_ALLOW_SUFFIX);
	assert_string_equal(c->allow[4].name, "cloud.example.org");
	assert_int_equal(c->allow[5].kind, CFG_ALLOW_NAME);
	assert_string_equal(c->allow[5].name, "_sip._tcp.example.net");

	assert_false(c->mgmt.dhcp);
	assert_true(c->mgmt.has_address);
	assert_int_equal(c->mgmt.address.family, 4);
	assert_int_equal(c->mgmt.address.prefix, 24);
	assert_memory_equal(c->mgmt.address.addr, ((uint8_t[]){192, 168, 1, 250}), 4);
	assert_true(c->mgmt.has_gateway);
	assert_memory_equal(c->mgmt.gateway, ((uint8_t[]){192, 168, 1, 1}), 4);
	assert_true(c->mgmt.has_dns);
	want = cidr("2001:4860:4860::8888");
	cidr_eq(&c->mgmt.dns, &want);
	assert_string_equal(c->mgmt.hostname, "tap-1");
	assert_string_equal(c->mgmt.ntp, "pool.ntp.org");
	assert_true(c->mgmt.from_wan);
	assert_true(c->mgmt.has_mac);
	assert_memory_equal(c->mgmt.mac, ((uint8_t[]){0x02, 0x1e, 0xa7, 0, 0, 9}), 6);
	assert_string_equal(c->syslog.target.host, "10.0.0.5");
	assert_int_equal(c->syslog.target.port, 6514);
	assert_true(c->syslog.tcp);
	assert_string_equal(c->mqtt.target.host, "broker.lan");
	assert_int_equal(c->mqtt.target.port, 8883);
	assert_string_equal(c->mqtt.topic_prefix, "büro/tap");
	free(c);
}

static void test_partial_keeps_defaults(void **state)
{
	struct cfg *c = parse_ok("{\"mgmt\": {\"hostname\": \"gate\"}, \"local_nets\": []}");

	(void)state;
	assert_int_equal(c->mode, CFG_MODE_MONITOR);
	assert_true(c->mgmt.dhcp);
	assert_string_equal(c->mgmt.hostname, "gate");
	assert_int_equal(c->n_local, 0);
	assert_int_equal(c->mqtt.target.port, 1883);
	free(c);
}

static void test_threshold_rounding(void **state)
{
	static const struct {
		const char *json;
		uint64_t bytes;
	} cases[] = {
		{"{\"threshold_mb\": 0}", 0},
		{"{\"threshold_mb\": -0}", 0},
		{"{\"threshold_mb\": 2.5}", 2500000},
		{"{\"threshold_mb\": 2.000001}", 2000001},
		{"{\"threshold_mb\": 1.2345674}", 1234567},
		{"{\"threshold_mb\": 1.2345676}", 1234568},
		{"{\"threshold_mb\": 1e6}", 1000000000000ull},
		{"{\"threshold_mb\": 999999.999999}", 999999999999ull},
		{"{\"threshold_mb\": 1e-300}", 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct cfg *c = parse_ok(cases[i].json);

		assert_int_equal(c->threshold_bytes, cases[i].bytes);
		free(c);
	}
}

static void test_mgmt_static(void **state)
{
	struct cfg *c;

	(void)state;
	/* /31 and /32 have no network or broadcast address to refuse. */
	c = parse_ok("{\"mgmt\": {\"dhcp\": false, \"address\": \"10.0.0.0/31\"}}");
	assert_int_equal(c->mgmt.address.prefix, 31);
	free(c);
	c = parse_ok("{\"mgmt\": {\"dhcp\": false, \"address\": \"10.9.8.7/32\"}}");
	assert_int_equal(c->mgmt.address.prefix, 32);
	free(c);
	/* With DHCP on, a static address is the fallback. */
	c = parse_ok("{\"mgmt\": {\"address\": \"172.16.5.4/12\", \"gateway\": \"172.31.0.1\"}}");
	assert_true(c->mgmt.dhcp);
	assert_true(c->mgmt.has_address);
	assert_true(c->mgmt.has_gateway);
	free(c);
	/* "" clears an optional address. */
	c = parse_ok("{\"mgmt\": {\"address\": \"\", \"gateway\": \"\", \"dns\": \"\"}}");
	assert_false(c->mgmt.has_address);
	assert_false(c->mgmt.has_gateway);
	assert_false(c->mgmt.has_dns);
	free(c);
	/* A MAC with dashes is the same address; "" means the board's own. */
	c = parse_ok("{\"mgmt\": {\"mac\": \"0a-1B-2c-3D-4e-5F\"}}");
	assert_true(c->mgmt.has_mac);
	assert_memory_equal(c->mgmt.mac, ((uint8_t[]){0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f}), 6);
	free(c);
	c = parse_ok("{\"mgmt\": {\"mac\": \"\"}}");
	assert_false(c->mgmt.has_mac);
	free(c);
	c = parse_ok("{\"mgmt\": {\"dns\": \"9.9.9.9\", \"ntp\": \"2001:DB8::123\"},"
		     " \"syslog\": {\"host\": \"Log.Example.com.\"}}");
	assert_int_equal(c->mgmt.dns.family, 4);
	assert_int_equal(c->mgmt.dns.prefix, 32);
	assert_string_equal(c->mgmt.ntp, "2001:db8::123");
	assert_string_equal(c->syslog.target.host, "log.example.com");
	free(c);
}

static void test_allow_names(void **state)
{
	static const struct {
		const char *in;
		uint8_t kind;
		const char *name;
	} good[] = {
		{"example.com", CFG_ALLOW_NAME, "example.com"},
		{"NAS", CFG_ALLOW_NAME, "nas"},
		{"a-b.c_d.example", CFG_ALLOW_NAME, "a-b.c_d.example"},
		{"1e100.net", CFG_ALLOW_NAME, "1e100.net"},
		{"*.co.uk", CFG_ALLOW_SUFFIX, "co.uk"},
		{"*.EXAMPLE.com.", CFG_ALLOW_SUFFIX, "example.com"},
	};
	char buf[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		struct cfg *c;

		(void)snprintf(buf, sizeof(buf), "{\"allow\": [\"%s\"]}", good[i].in);
		c = parse_ok(buf);
		assert_int_equal(c->n_allow, 1);
		assert_int_equal(c->allow[0].kind, good[i].kind);
		assert_string_equal(c->allow[0].name, good[i].name);
		free(c);
	}
	/* Label of 63 and a name of 253 are the limits. */
	{
		char name[300];
		struct cfg *c;

		memset(name, 'a', 63);
		memcpy(name + 63, ".com", 5);
		(void)snprintf(buf, sizeof(buf), "{\"allow\": [\"%s\"]}", name);
		c = parse_ok(buf);
		free(c);
		/* 4 x (62 + '.') = 252, + "b" = 253. */
		for (size_t i = 0; i < 4; i++) {
			memset(name + i * 63, 'a', 62);
			name[i * 63 + 62] = '.';
		}
		memcpy(name + 252, "b", 2);
		assert_int_equal(strlen(name), 253);
		(void)snprintf(buf, sizeof(buf), "{\"allow\": [\"%s.\"]}", name);
		c = parse_ok(buf);
		assert_int_equal(strlen(c->allow[0].name), 253);
		free(c);
	}
}

/* ---- errors ---------------------------------------------------------------- */

struct err_case {
	const char *json;
	const char *want; /* expected prefix of the error line */
};

static const struct err_case err_cases[] = {
	{"{\"threshold_mb\": -1}", "threshold_mb: must be a number from 0 to 1000000"},
	{"{\"threshold_mb\": 1000000.5}", "threshold_mb: must be a number from 0 to 1000000"},
	{"{\"threshold_mb\": \"10\"}", "threshold_mb: must be a number from 0 to 1000000"},
	{"{\"threshold_mb\": 1e999}", "threshold_mb: must be a number from 0 to 1000000"},
	{"{\"local_nets\": [\"10.0.0.0/8\", \"192.168.0.0/16\", \"10.0.0.1/8\"]}",
	 "local_nets[2]: \"10.0.0.1/8\" has host bits set"},
	{"{\"local_nets\": [\"10.0.0.0/8\", \"10.0.0.0/8\"]}",
	 "local_nets[1]: \"10.0.0.0/8\" is a duplicate of local_nets[0]"},
	{"{\"local_nets\": [\"10.0.0.0/33\"]}",
	 "local_nets[0]: \"10.0.0.0/33\" is not a valid CIDR"},
	{"{\"local_nets\": [\"example.com\"]}",
	 "local_nets[0]: \"example.com\" is not a valid CIDR"},
	{"{\"local_nets\": [7]}", "local_nets[0]: must be a string"},
	{"{\"local_nets\": \"10.0.0.0/8\"}", "local_nets: must be an array"},
	{"{\"mgmt\": {\"dhcp\": false}}", "mgmt.address: required when mgmt.dhcp is false"},
	{"{\"mgmt\": {\"dhcp\": false, \"address\": \"\"}}",
	 "mgmt.address: required when mgmt.dhcp is false"},
	{"{\"mode\": \"panic\"}", "mode: must be one of \"learn\", \"monitor\", \"block\""},
	{"{\"mode\": \"Block\"}", "mode: must be one of \"learn\", \"monitor\", \"block\""},
	{"{\"mode\": 1}", "mode: must be one of \"learn\", \"monitor\", \"block\""},
	{"{\"frobnicate\": 1}", "frobnicate: unknown key"},
	{"{\"Mode\": \"learn\"}", "Mode: unknown key"},
	{"{\"\": 1}", "\"\": unknown key"},
	{"{\"mgmt\": {\"bogus\": 1}}", "mgmt.bogus: unknown key"},
	{"{\"syslog\": {\"bogus\": 1}}", "syslog.bogus: unknown key"},
	{"{\"mqtt\": {\"bogus\": 1}}", "mqtt.bogus: unknown key"},
	{"{\"window_s\": 1.5}", "window_s: must be an integer"},
	{"{\"window_s\": \"600\"}", "window_s: must be an integer"},
	{"{\"window_s\": null}", "window_s: must be an integer"},
	{"{\"window_s\": 0}", "window_s: must be from 1 to 86400"},
	{"{\"window_s\": 86401}", "window_s: must be from 1 to 86400"},
	{"{\"window_s\": 1e300}", "window_s: must be from 1 to 86400"},
	{"{\"window_s\": -1e300}", "window_s: must be from 1 to 86400"},
	{"{\"window_s\": -1e999}", "window_s: must be an integer"},
	{"{\"quarantine_s\": -1}", "quarantine_s: must be from 0 to 604800"},
	{"{\"quarantine_s\": 604801}", "quarantine_s: must be from 0 to 604800"},
	{"{\"quarantine_s\": 0.000001}", "quarantine_s: must be an integer"},
	{"{\"fail_closed\": \"yes\"}", "fail_closed: must be true or false"},
	{"{\"fail_closed\": 1}", "fail_closed: must be true or false"},
	{"{\"bulk\": 1}", "bulk: must be true or false"},
	{"{\"allow\": [\"*.com\"]}", "allow[0]: \"*.com\": a suffix needs at least two labels"},
	{"{\"allow\": [\"*.com.\"]}", "allow[0]: \"*.com.\": a suffix needs at least two labels"},
	{"{\"allow\": [\"*.\"]}", "allow[0]: \"*.\" is not a valid DNS suffix"},
	{"{\"allow\": [\"*.*.example.com\"]}", "allow[0]: \"*.*.example.com\" is not a valid"},
	{"{\"allow\": [\"*\"]}", "allow[0]: \"*\" is not a valid DNS name"},
	{"{\"allow\": [\"foo*.example.com\"]}", "allow[0]: \"foo*.example.com\" is not a valid"},
	{"{\"allow\": [\"ok.com\", \"-bad.com\"]}",
	 "allow[1]: \"-bad.com\" is not a valid DNS name"},
	{"{\"allow\": [\"bad-.com\"]}", "allow[0]: \"bad-.com\" is not a valid DNS name"},
	{"{\"allow\": [\"a..b\"]}", "allow[0]: \"a..b\" is not a valid DNS name"},
	{"{\"allow\": [\".a.b\"]}", "allow[0]: \".a.b\" is not a valid DNS name"},
	{"{\"allow\": [\"exa mple.com\"]}", "allow[0]: \"exa mple.com\" is not a valid DNS name"},
	{"{\"allow\": [\"1.2.3\"]}", "allow[0]: \"1.2.3\" is not a valid address or CIDR"},
	{"{\"allow\": [\"01.2.3.4\"]}", "allow[0]: \"01.2.3.4\" is not a valid address or CIDR"},
	{"{\"allow\": [\"10.0.0.1/8\"]}", "allow[0]: \"10.0.0.1/8\" has host bits set"},
	{"{\"allow\": [\"\"]}", "allow[0]: must not be empty"},
	{"{\"allow\": [\"Example.com\", \"example.COM.\"]}",
	 "allow[1]: \"example.COM.\" is a duplicate of allow[0]"},
	{"{\"allow\": [\"10.0.0.0/8\", \"10.0.0.0/8\"]}",
	 "allow[1]: \"10.0.0.0/8\" is a duplicate of allow[0]"},
	{"{\"allow\": {}}", "allow: must be an array"},
	{"{\"allow\": [null]}", "allow[0]: must be a string"},
	{"[1]", "top level: must be a JSON object"},
	{"\"mode\"", "top level: must be a JSON object"},
	{"null", "top level: must be a JSON object"},
	{"{\"mode\": \"learn\", \"mode\": \"block\"}", "mode: duplicate key"},
	{"{\"mgmt\": {\"dhcp\": true, \"dhcp\": false}}", "mgmt.dhcp: duplicate key"},
	{"{\"mgmt\": []}", "mgmt: must be an object"},
	{"{\"mgmt\": {\"dhcp\": \"no\"}}", "mgmt.dhcp: must be true or false"},
	{"{\"mgmt\": {\"address\": 5}}", "mgmt.address: must be a string"},
	{"{\"mgmt\": {\"address\": \"192.168.1.250\"}}",
	 "mgmt.address: \"192.168.1.250\" is not an IPv4 address with prefix"},
	{"{\"mgmt\": {\"address\": \"fd00::1/64\"}}",
	 "mgmt.address: \"fd00::1/64\" is not an IPv4 address with prefix"},
	{"{\"mgmt\": {\"address\": \"10.0.0.1/0\"}}",
	 "mgmt.address: \"10.0.0.1/0\": prefix must be"},
	{"{\"mgmt\": {\"address\": \"192.168.1.0/24\"}}",
	 "mgmt.address: \"192.168.1.0/24\" is the network address of its subnet"},
	{"{\"mgmt\": {\"address\": \"192.168.1.255/24\"}}",
	 "mgmt.address: \"192.168.1.255/24\" is the broadcast address of its subnet"},
	{"{\"mgmt\": {\"address\": \"127.0.0.2/8\"}}",
	 "mgmt.address: \"127.0.0.2/8\" is not a unicast"},
	{"{\"mgmt\": {\"address\": \"224.0.0.1/4\"}}",
	 "mgmt.address: \"224.0.0.1/4\" is not a unicast"},
	{"{\"mgmt\": {\"address\": \"192.168.1.250/24\", \"gateway\": \"192.168.2.1\"}}",
	 "mgmt.gateway: \"192.168.2.1\" is not inside mgmt.address 192.168.1.250/24"},
	{"{\"mgmt\": {\"gateway\": \"192.168.2.1\", \"address\": \"192.168.1.250/24\"}}",
	 "mgmt.gateway: \"192.168.2.1\" is not inside mgmt.address"},
	{"{\"mgmt\": {\"address\": \"192.168.1.250/24\", \"gateway\": \"192.168.1.250\"}}",
	 "mgmt.gateway: \"192.168.1.250\" is the appliance's own address"},
	{"{\"mgmt\": {\"address\": \"192.168.1.250/24\", \"gateway\": \"192.168.1.255\"}}",
	 "mgmt.gateway: \"192.168.1.255\" is the network or broadcast address"},
	{"{\"mgmt\": {\"gateway\": \"192.168.1.1/24\"}}",
	 "mgmt.gateway: \"192.168.1.1/24\" is not a unicast IPv4 address"},
	{"{\"mgmt\": {\"gateway\": \"fe80::1\"}}",
	 "mgmt.gateway: \"fe80::1\" is not a unicast IPv4"},
	{"{\"mgmt\": {\"dns\": \"dns.google\"}}",
	 "mgmt.dns: \"dns.google\" is not an IPv4 or IPv6 address"},
	{"{\"mgmt\": {\"dns\": \"8.8.8.8/32\"}}",
	 "mgmt.dns: \"8.8.8.8/32\" is not an IPv4 or IPv6"},
	{"{\"mgmt\": {\"hostname\": \"\"}}", "mgmt.hostname: \"\" must be one DNS label"},
	{"{\"mgmt\": {\"mac\": \"01:00:5e:00:00:fb\"}}",
	 "mgmt.mac: \"01:00:5e:00:00:fb\" is not a unicast MAC address, e.g. 02:00:00:00:00:01"},
	{"{\"mgmt\": {\"mac\": \"00:00:00:00:00:00\"}}",
	 "mgmt.mac: \"00:00:00:00:00:00\" is not a unicast MAC address"},
	{"{\"mgmt\": {\"mac\": \"02:00:00:00:00\"}}", "mgmt.mac: \"02:00:00:00:00\" is not a"},
	{"{\"mgmt\": {\"mac\": \"02:00:00-00:00:01\"}}", "mgmt.mac: \"02:00:00-00:00:01\" is not"},
	{"{\"mgmt\": {\"mac\": \"02:00:00:00:00:0g\"}}", "mgmt.mac: \"02:00:00:00:00:0g\" is not"},
	{"{\"mgmt\": {\"mac\": \"020000000001\"}}", "mgmt.mac: \"020000000001\" is not"},
	{"{\"mgmt\": {\"mac\": 2}}", "mgmt.mac: must be a string"},
	{"{\"mgmt\": {\"hostname\": \"tap.lan\"}}",
	 "mgmt.hostname: \"tap.lan\" must be one DNS label"},
	{"{\"mgmt\": {\"hostname\": \"tap_1\"}}", "mgmt.hostname: \"tap_1\" must be one DNS label"},
	{"{\"mgmt\": {\"hostname\": \"-tap\"}}", "mgmt.hostname: \"-tap\" must be one DNS label"},
	{"{\"mgmt\": {\"hostname\": \"0123456789012345678901234567890123456789012345678901234567"
	 "89abcd\"}}",
	 "mgmt.hostname: \"0123456789012345678901234567890123456789...\" must be one DNS label"},
	{"{\"mgmt\": {\"ntp\": \"ntp..org\"}}", "mgmt.ntp: \"ntp..org\" is not a valid host name"},
	{"{\"mgmt\": {\"ntp\": \"[::1]\"}}", "mgmt.ntp: \"[::1]\" is not a valid host name"},
	{"{\"mgmt\": {\"from_wan\": 0}}", "mgmt.from_wan: must be true or false"},
	{"{\"syslog\": 514}", "syslog: must be an object"},
	{"{\"syslog\": {\"host\": \"log.lan:514\"}}",
	 "syslog.host: \"log.lan:514\" is not a valid"},
	{"{\"syslog\": {\"host\": false}}", "syslog.host: must be a string"},
	{"{\"syslog\": {\"port\": 0}}", "syslog.port: must be from 1 to 65535"},
	{"{\"syslog\": {\"port\": 65536}}", "syslog.port: must be from 1 to 65535"},
	{"{\"syslog\": {\"port\": 514.5}}", "syslog.port: must be an integer"},
	{"{\"syslog\": {\"proto\": \"sctp\"}}", "syslog.proto: must be one of \"udp\", \"tcp\""},
	{"{\"syslog\": {\"proto\": \"UDP\"}}", "syslog.proto: must be one of \"udp\", \"tcp\""},
	{"{\"mqtt\": null}", "mqtt: must be an object"},
	{"{\"mqtt\": {\"port\": -1883}}", "mqtt.port: must be from 1 to 65535"},
	{"{\"mqtt\": {\"host\": \"-broker\"}}", "mqtt.host: \"-broker\" is not a valid host name"},
	{"{\"mqtt\": {\"topic_prefix\": \"\"}}", "mqtt.topic_prefix: must be 1 to 64 bytes long"},
	{"{\"mqtt\": {\"topic_prefix\": \"a/+/b\"}}",
	 "mqtt.topic_prefix: \"a/+/b\" must not contain"},
	{"{\"mqtt\": {\"topic_prefix\": \"a/#\"}}", "mqtt.topic_prefix: \"a/#\" must not contain"},
	{"{\"mqtt\": {\"topic_prefix\": \"a\\nb\"}}",
	 "mqtt.topic_prefix: \"a?b\" must not contain"},
	{"{\"mqtt\": {\"topic_prefix\": \"/leaktap\"}}",
	 "mqtt.topic_prefix: \"/leaktap\" must not start with '/'"},
	{"{\"mqtt\": {\"topic_prefix\": \"a\xc0\xafz\"}}",
	 "mqtt.topic_prefix: \"a??z\" is not valid UTF-8"},
	{"{\"mqtt\": {\"topic_prefix\": \"a\xed\xa0\x80z\"}}",
	 "mqtt.topic_prefix: \"a???z\" is not valid UTF-8"},
	{"{\"mqtt\": {\"topic_prefix\": \"x\xe2\x82\"}}",
	 "mqtt.topic_prefix: \"x??\" is not valid UTF-8"},
	{"{\"mqtt\": {\"topic_prefix\": "
	 "\"01234567890123456789012345678901234567890123456789012345678901234\"}}",
	 "mqtt.topic_prefix: must be 1 to 64 bytes long"},
	/* Syntax. */
	{"", "invalid JSON at line 1, column 1"},
	{"{", "invalid JSON at line 1, column"},
	{"{\"mode\": \"learn\",}", "invalid JSON at line 1, column"},
	{"{\"mode\": \"learn\"} x", "invalid JSON at line 1, column 19"},
	{"{}{}", "invalid JSON at line 1, column 3"},
	{"{\n\n  \"mode\": learn\n}", "invalid JSON at line 3"},
	{"{\"mode\": \"le\x01"
	 "arn\"}",
	 "invalid JSON at line 1, column 13"},
	{"{\"mode\":\x01\"learn\"}", "invalid JSON at line 1, column 9"},
	{"{\"mode\": \"learn\\u0000x\"}", "invalid JSON at line 1, column 16: \\u0000"},
	{"{\"allow\": [\"a\\u0000.com\"]}", "invalid JSON at line 1, column 14: \\u0000"},
};

static void test_errors(void **state)
{
	struct cfg *c = new_cfg();

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(err_cases); i++) {
		char err[CFG_ERR_MAX];
		int rc = parse_str(err_cases[i].json, c, err);

		if (rc != -EINVAL ||
		    strncmp(err, err_cases[i].want, strlen(err_cases[i].want)) != 0) {
			fail_msg("case %zu %s: rc %d, got \"%s\", want \"%s...\"", i,
				 err_cases[i].json, rc, err, err_cases[i].want);
		}
		assert_null(strchr(err, '\n'));
	}
	free(c);
}

/* The exact lines quoted in docs/config.md. */
static void test_error_exact(void **state)
{
	static const struct err_case exact[] = {
		{"{\"threshold_mb\": -1}", "threshold_mb: must be a number from 0 to 1000000"},
		{"{\"local_nets\": [\"10.0.0.0/8\", \"192.168.0.0/16\", \"10.0.0.1/8\"]}",
		 "local_nets[2]: \"10.0.0.1/8\" has host bits set"},
		{"{\"mgmt\": {\"dhcp\": false}}", "mgmt.address: required when mgmt.dhcp is false"},
		{"{\"mode\": \"x\"}", "mode: must be one of \"learn\", \"monitor\", \"block\""},
		{"{\"frobnicate\": 1}", "frobnicate: unknown key"},
		{"{\"mgmt\": {\"bogus\": 1}}", "mgmt.bogus: unknown key"},
		{"{\"window_s\": 1.5}", "window_s: must be an integer"},
		{"{\"allow\": [\"*.com\"]}",
		 "allow[0]: \"*.com\": a suffix needs at least two labels"},
		{"{\"mode\": \"learn\", \"mode\": \"block\"}", "mode: duplicate key"},
		{"[]", "top level: must be a JSON object"},
		{"{\n  \"mode\": learn\n}", "invalid JSON at line 2, column 11"},
	};
	struct cfg *c = new_cfg();

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(exact); i++) {
		char err[CFG_ERR_MAX];

		assert_int_equal(parse_str(exact[i].json, c, err), -EINVAL);
		assert_string_equal(err, exact[i].want);
	}
	free(c);
}

static void test_too_many_entries(void **state)
{
	size_t cap = 64 + 24 * (CONFIG_CFG_MAX_ALLOW + 2);
	char *doc = malloc(cap);
	char err[CFG_ERR_MAX];
	struct cfg *c = new_cfg();
	size_t off;
	char want[64];

	(void)state;
	assert_non_null(doc);
	/* Exactly the maximum is fine... */
	off = (size_t)snprintf(doc, cap, "{\"local_nets\": [");
	for (size_t i = 0; i < CONFIG_CFG_MAX_NETS; i++) {
		off += (size_t)snprintf(doc + off, cap - off, "%s\"10.%zu.0.0/16\"", i ? "," : "",
					i);
	}
	(void)snprintf(doc + off, cap - off, "]}");
	assert_int_equal(parse_str(doc, c, err), 0);
	assert_int_equal(c->n_local, CONFIG_CFG_MAX_NETS);
	/* ...one more is not. */
	(void)snprintf(doc + off, cap - off, ",\"11.0.0.0/8\"]}");
	assert_int_equal(parse_str(doc, c, err), -EINVAL);
	(void)snprintf(want, sizeof(want), "local_nets: at most %d entries", CONFIG_CFG_MAX_NETS);
	assert_string_equal(err, want);

	off = (size_t)snprintf(doc, cap, "{\"allow\": [");
	for (size_t i = 0; i <= CONFIG_CFG_MAX_ALLOW; i++) {
		off += (size_t)snprintf(doc + off, cap - off, "%s\"h%zu.example\"", i ? "," : "",
					i);
	}
	(void)snprintf(doc + off, cap - off, "]}");
	assert_int_equal(parse_str(doc, c, err), -EINVAL);
	(void)snprintf(want, sizeof(want), "allow: at most %d entries", CONFIG_CFG_MAX_ALLOW);
	assert_string_equal(err, want);
	free(doc);
	free(c);
}

static void test_out_untouched_on_error(void **state)
{
	struct cfg *c = new_cfg();
	unsigned char *before = malloc(sizeof(*c));
	char err[CFG_ERR_MAX];

	(void)state;
	assert_non_null(before);
	for (size_t i = 0; i < ARRAY_LEN(err_cases); i++) {
		memset(c, 0x5a, sizeof(*c));
		memcpy(before, c, sizeof(*c));
		assert_int_equal(parse_str(err_cases[i].json, c, err), -EINVAL);
		assert_memory_equal(c, before, sizeof(*c));
	}
	/* A document valid up to its last key. */
	memset(c, 0x5a, sizeof(*c));
	assert_int_equal(parse_str("{\"mode\": \"block\", \"local_nets\": [], \"allow\": [\"a.b\"],"
				   " \"mqtt\": {\"port\": 0}}",
				   c, err),
			 -EINVAL);
	assert_memory_equal(c, before, sizeof(*c));
	free(before);
	free(c);
}

static void test_err_buffer(void **state)
{
	struct cfg *c = new_cfg();
	char err[8];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(cfg_parse("{\"frobnicate\": 1}", 17, c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "frobnic");
	assert_int_equal(cfg_parse("{\"frobnicate\": 1}", 17, c, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse("{\"frobnicate\": 1}", 17, c, err, 0), -EINVAL);
	assert_int_equal(err[0], 'f'); /* errlen 0: not written */
	assert_int_equal(cfg_parse(NULL, 5, c, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse("{}", 2, NULL, NULL, 0), -EINVAL);
	free(c);
}

/* ---- hostile input ----------------------------------------------------------- */

static void test_not_nul_terminated(void **state)
{
	static const char doc[] = "{\"mode\": \"learn\"}GARBAGE";
	char *copy = malloc(17);
	struct cfg *c = new_cfg();
	char err[CFG_ERR_MAX];

	(void)state;
	assert_non_null(copy);
	memcpy(copy, doc, 17); /* no NUL: ASan catches any read past it */
	assert_int_equal(cfg_parse(copy, 17, c, err, sizeof(err)), 0);
	assert_int_equal(c->mode, CFG_MODE_LEARN);
	assert_int_equal(cfg_parse(doc, sizeof(doc) - 1, c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid JSON at line 1, column 18");
	/* A cut in the middle of a string. */
	assert_int_equal(cfg_parse(copy, 12, c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid JSON"));
	/* A NUL inside len is not the end of the document. */
	assert_int_equal(cfg_parse("{}\0", 3, c, err, sizeof(err)), -EINVAL);
	free(copy);
	free(c);
}

static void test_untrusted_strings_quoted(void **state)
{
	size_t n = 200000;
	char *doc = malloc(n + 64);
	struct cfg *c = new_cfg();
	char err[CFG_ERR_MAX];
	size_t off;

	(void)state;
	assert_non_null(doc);
	off = (size_t)snprintf(doc, n + 64, "{\"allow\": [\"\\u001b[31m\\r");
	memset(doc + off, 'A', n - off);
	(void)snprintf(doc + n, 64, "\"]}");
	assert_int_equal(parse_str(doc, c, err), -EINVAL);
	assert_true(strlen(err) < 80);
	assert_non_null(strstr(err, "allow[0]: \"?[31m?AAAA"));
	assert_non_null(strstr(err, "...\" is not a valid DNS name"));
	for (const char *p = err; *p != '\0'; p++) {
		assert_true(*p >= 0x20 && *p < 0x7f);
	}
	/* A huge unknown key is cut the same way. */
	off = (size_t)snprintf(doc, n + 64, "{\"");
	memset(doc + off, 'k', n - off);
	(void)snprintf(doc + n, 64, "\": 1}");
	assert_int_equal(parse_str(doc, c, err), -EINVAL);
	assert_true(strlen(err) < 80);
	assert_non_null(strstr(err, "kkk...: unknown key"));
	free(doc);
	free(c);
}

static void test_huge_input(void **state)
{
	size_t n = 2u * 1024u * 1024u;
	char *doc = malloc(n);
	struct cfg *c = new_cfg();
	char err[CFG_ERR_MAX];

	(void)state;
	assert_non_null(doc);
	memset(doc, ' ', n);
	doc[0] = '{';
	doc[n - 1] = '}';
	assert_int_equal(cfg_parse(doc, n, c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "top level: document larger than 1048576 bytes");
	/* Padding under the limit is fine. */
	doc[1000000] = '}';
	assert_int_equal(cfg_parse(doc, 1000001, c, err, sizeof(err)), 0);
	free(doc);
	free(c);
}

static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *doc = malloc(2 * depth + 64);
	struct cfg *c = new_cfg();
	char err[CFG_ERR_MAX];
	size_t off;

	(void)state;
	assert_non_null(doc);
	/* Past cJSON's nesting limit: a syntax error, not a stack overflow. */
	memset(doc, '[', depth);
	memset(doc + depth, ']', depth);
	assert_int_equal(cfg_parse(doc, 2 * depth, c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "invalid JSON at line 1, column"));
	/* Deep but under the limit: a type error for the key. */
	off = (size_t)snprintf(doc, 64, "{\"mode\": ");
	memset(doc + off, '[', 900);
	memset(doc + off + 900, ']', 900);
	doc[off + 1800] = '}';
	assert_int_equal(cfg_parse(doc, off + 1801, c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "mode: must be one of \"learn\", \"monitor\", \"block\"");
	off = (size_t)snprintf(doc, 64, "{\"mgmt\": ");
	for (size_t i = 0; i < 900; i++) {
		memcpy(doc + off + 6 * i, "{\"a\": ", 6);
	}
	off += 5400;
	memcpy(doc + off, "1", 1);
	memset(doc + off + 1, '}', 901);
	assert_int_equal(cfg_parse(doc, off + 902, c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "mgmt.a: unknown key");
	free(doc);
	free(c);
}

/* ---- addresses --------------------------------------------------------------- */

struct addr_case {
	const char *s;
	uint8_t family;
	uint8_t prefix;
	uint8_t addr[16];
};

static void test_ipv4_parse(void **state)
{
	static const struct addr_case good[] = {
		{"0.0.0.0", 4, 32, {0, 0, 0, 0}},
		{"255.255.255.255", 4, 32, {255, 255, 255, 255}},
		{"1.2.3.4", 4, 32, {1, 2, 3, 4}},
		{"10.0.0.0/8", 4, 8, {10}},
		{"0.0.0.0/0", 4, 0, {0}},
		{"192.168.100.0/22", 4, 22, {192, 168, 100, 0}},
		{"100.64.0.0/10", 4, 10, {100, 64}},
		{"1.2.3.4/32", 4, 32, {1, 2, 3, 4}},
	};
	static const char *const bad[] = {
		"",
		"1.2.3",
		"1.2.3.4.5",
		"256.1.1.1",
		"1.2.3.256",
		"01.2.3.4",
		"1.2.3.04",
		"1.2.3.00",
		"+1.2.3.4",
		"1.+2.3.4",
		"-1.2.3.4",
		"1..3.4",
		".1.2.3",
		"1.2.3.",
		"1.2.3.4/33",
		"1.2.3.4/",
		"1.2.3.4/-1",
		"1.2.3.4/+8",
		"1.2.3.4/08",
		" 1.2.3.4",
		"1.2.3.4 ",
		"1.2.3.a",
		"1234.1.1.1",
		"0x1.2.3.4",
		"1.2.3.4//32",
		"1.2.3.4/8/8",
		"1.2.3.4/1000",
		"/8",
		"1.2.3.4/32 ",
		"1,2,3,4",
		"1.2.3.4/8",
		"11.0.0.0/7",
		"0.0.0.1/0",
	};
	struct cfg_cidr out;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		memset(&out, 0xee, sizeof(out));
		if (cfg_parse_cidr(good[i].s, false, &out) != 0) {
			fail_msg("rejected %s", good[i].s);
		}
		assert_int_equal(out.family, good[i].family);
		assert_int_equal(out.prefix, good[i].prefix);
		assert_memory_equal(out.addr, good[i].addr, 16);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&out, 0xee, sizeof(out));
		if (cfg_parse_cidr(bad[i], false, &out) != -EINVAL) {
			fail_msg("accepted \"%s\"", bad[i]);
		}
		assert_int_equal(out.family, 0xee); /* untouched */
	}
	/* Host bits allowed: the address is kept as given. */
	assert_int_equal(cfg_parse_cidr("192.168.1.250/24", true, &out), 0);
	assert_int_equal(out.prefix, 24);
	assert_int_equal(out.addr[3], 250);
	assert_int_equal(cfg_parse_cidr("192.168.1.250/24", false, &out), -EINVAL);
	assert_int_equal(cfg_parse_cidr(NULL, true, &out), -EINVAL);
	assert_int_equal(cfg_parse_cidr("1.2.3.4", true, NULL), -EINVAL);
}

static void test_ipv6_parse(void **state)
{
	static const struct addr_case good[] = {
		{"::", 6, 128, {0}},
		{"::1", 6, 128, {[15] = 1}},
		{"1::", 6, 128, {0, 1}},
		{"2001:db8::", 6, 128, {0x20, 0x01, 0x0d, 0xb8}},
		{"2001:DB8:0:0:0:0:0:1", 6, 128, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
		{"1:2:3:4:5:6:7:8", 6, 128, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
		{"1:2:3:4:5:6:7::", 6, 128, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
		{"::2:3:4:5:6:7:8", 6, 128, {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
		{"1:0::8", 6, 128, {0, 1, [15] = 8}},
		{"ffff:FFFF:ffff:ffff:ffff:ffff:ffff:ffff",
		 6,
		 128,
		 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff}},
		{"::ffff:1.2.3.4", 6, 128, {[10] = 0xff, [11] = 0xff, [12] = 1, 2, 3, 4}},
		{"::1.2.3.4", 6, 128, {[12] = 1, 2, 3, 4}},
		{"1:2:3:4:5:6:1.2.3.4", 6, 128, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4}},
		{"64:ff9b::192.0.2.33", 6, 128, {0, 0x64, 0xff, 0x9b, [12] = 192, 0, 2, 33}},
		{"0001:00:0::", 6, 128, {0, 1}},
		{"fe80::/10", 6, 10, {0xfe, 0x80}},
		{"fc00::/7", 6, 7, {0xfc}},
		{"::/0", 6, 0, {0}},
		{"2001:db8::/32", 6, 32, {0x20, 0x01, 0x0d, 0xb8}},
		{"::1/128", 6, 128, {[15] = 1}},
	};
	static const char *const bad[] = {
		":",
		":::",
		"1:::2",
		"1::2::3",
		"::1::",
		"1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7",
		"12345::",
		"00000::1",
		"1:2:3:4:5:6:7:8::",
		"::1:2:3:4:5:6:7:8",
		":1::",
		"1::2:",
		":1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:",
		"fe80::1%eth0",
		"fe80::1%1",
		"::ffff:1.2.3",
		"::1.2.3.4.5",
		"::ffff:01.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3.4:5",
		"1.2.3.4::",
		"g::1",
		"::/129",
		"::/",
		"2001:db8::1/64",
		"fe80::/8",
		"[::1]",
		" ::1",
		"::1 ",
		"-::1",
		"+1::",
		"0x1::",
	};
	struct cfg_cidr out;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		memset(&out, 0xee, sizeof(out));
		if (cfg_parse_cidr(good[i].s, false, &out) != 0) {
			fail_msg("rejected %s", good[i].s);
		}
		assert_int_equal(out.family, good[i].family);
		assert_int_equal(out.prefix, good[i].prefix);
		assert_memory_equal(out.addr, good[i].addr, 16);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&out, 0xee, sizeof(out));
		if (cfg_parse_cidr(bad[i], false, &out) != -EINVAL) {
			fail_msg("accepted \"%s\"", bad[i]);
		}
		assert_int_equal(out.family, 0xee);
	}
}

static void test_cidr_match(void **state)
{
	struct cfg_cidr all4 = cidr("0.0.0.0/0");
	struct cfg_cidr all6 = cidr("::/0");
	struct cfg_cidr host4 = cidr("192.0.2.7/32");
	struct cfg_cidr host6 = cidr("2001:db8::7/128");
	struct cfg_cidr ula = cidr("fc00::/7");
	struct cfg_cidr ll6 = cidr("fe80::/10");
	struct cfg_cidr p12 = cidr("172.16.0.0/12");
	struct cfg_cidr p1 = cidr("128.0.0.0/1");
	static const uint8_t v4a[4] = {192, 0, 2, 7};
	static const uint8_t v4b[4] = {192, 0, 2, 6};
	static const uint8_t v4c[4] = {192, 0, 2, 8};
	static const uint8_t zero16[16] = {0};

	(void)state;
	assert_true(cfg_cidr_match(&all4, 4, v4a));
	assert_true(cfg_cidr_match(&all4, 4, (const uint8_t[]){0, 0, 0, 0}));
	assert_false(cfg_cidr_match(&all4, 6, zero16)); /* families never mix */
	assert_true(cfg_cidr_match(&all6, 6, zero16));
	assert_true(cfg_cidr_match(&all6, 6, host6.addr));
	assert_false(cfg_cidr_match(&all6, 4, v4a));

	assert_true(cfg_cidr_match(&host4, 4, v4a));
	assert_false(cfg_cidr_match(&host4, 4, v4b));
	assert_false(cfg_cidr_match(&host4, 4, v4c));
	assert_true(cfg_cidr_match(&host6, 6, host6.addr));
	{
		uint8_t a[16];

		memcpy(a, host6.addr, 16);
		a[15] ^= 1;
		assert_false(cfg_cidr_match(&host6, 6, a));
		a[15] ^= 1;
		a[0] ^= 0x80;
		assert_false(cfg_cidr_match(&host6, 6, a));
	}

	assert_true(cfg_cidr_match(&ula, 6, (const uint8_t[16]){0xfc, 0, [15] = 1}));
	assert_true(cfg_cidr_match(&ula, 6, (const uint8_t[16]){0xfd, 0x12, 0x34}));
	assert_false(cfg_cidr_match(&ula, 6, (const uint8_t[16]){0xfe, 0x80}));
	assert_false(cfg_cidr_match(&ula, 6, (const uint8_t[16]){0xfb, 0xff}));

	assert_true(cfg_cidr_match(&ll6, 6, (const uint8_t[16]){0xfe, 0x80, [15] = 1}));
	assert_true(cfg_cidr_match(&ll6, 6, (const uint8_t[16]){0xfe, 0xbf, 0xff}));
	assert_false(cfg_cidr_match(&ll6, 6, (const uint8_t[16]){0xfe, 0xc0}));
	assert_false(cfg_cidr_match(&ll6, 6, (const uint8_t[16]){0xfe, 0x7f}));

	assert_true(cfg_cidr_match(&p12, 4, (const uint8_t[]){172, 16, 0, 0}));
	assert_true(cfg_cidr_match(&p12, 4, (const uint8_t[]){172, 31, 255, 255}));
	assert_false(cfg_cidr_match(&p12, 4, (const uint8_t[]){172, 32, 0, 0}));
	assert_false(cfg_cidr_match(&p12, 4, (const uint8_t[]){172, 15, 255, 255}));

	assert_true(cfg_cidr_match(&p1, 4, (const uint8_t[]){255, 0, 0, 1}));
	assert_false(cfg_cidr_match(&p1, 4, (const uint8_t[]){127, 255, 255, 255}));

	/* A corrupt prefix never matches rather than reading past addr. */
	host4.prefix = 33;
	assert_false(cfg_cidr_match(&host4, 4, v4a));
}

static void test_is_local(void **state)
{
	struct cfg *c = new_cfg();

	(void)state;
	cfg_default(c);
	assert_true(cfg_is_local(c, 4, (const uint8_t[]){10, 1, 2, 3}));
	assert_true(cfg_is_local(c, 4, (const uint8_t[]){172, 20, 0, 1}));
	assert_true(cfg_is_local(c, 4, (const uint8_t[]){192, 168, 0, 1}));
	assert_true(cfg_is_local(c, 4, (const uint8_t[]){169, 254, 9, 9}));
	assert_false(cfg_is_local(c, 4, (const uint8_t[]){8, 8, 8, 8}));
	assert_false(cfg_is_local(c, 4, (const uint8_t[]){172, 32, 0, 1}));
	assert_false(cfg_is_local(c, 4, (const uint8_t[]){192, 169, 0, 1}));
	assert_true(cfg_is_local(c, 6, (const uint8_t[16]){0xfd, 0x00, [15] = 1}));
	assert_true(cfg_is_local(c, 6, (const uint8_t[16]){0xfe, 0x80, [15] = 1}));
	assert_false(cfg_is_local(c, 6, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}));
	c->n_local = 0;
	assert_false(cfg_is_local(c, 4, (const uint8_t[]){10, 1, 2, 3}));
	free(c);
}

/* ---- format and round trip ----------------------------------------------------- */

/* format c, parse it back, compare, and format again to the same text. */
static void round_trip(const struct cfg *c)
{
	char *a = malloc(FMT_MAX);
	char *b = malloc(FMT_MAX);
	struct cfg *back = new_cfg();
	char err[CFG_ERR_MAX];
	int n;
	int m;

	assert_non_null(a);
	assert_non_null(b);
	n = cfg_format(c, a, FMT_MAX);
	assert_true(n > 0);
	assert_int_equal(strlen(a), (size_t)n);
	if (cfg_parse(a, (size_t)n, back, err, sizeof(err)) != 0) {
		fail_msg("formatted config does not parse: %s\n%s", err, a);
	}
	cfg_eq(c, back);
	m = cfg_format(back, b, FMT_MAX);
	assert_int_equal(m, n);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(back);
}

static void test_round_trip_defaults(void **state)
{
	struct cfg *c = new_cfg();
	char buf[2048];

	(void)state;
	cfg_default(c);
	round_trip(c);
	assert_true(cfg_format(c, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"mode\": \"monitor\""));
	assert_non_null(strstr(buf, "\"threshold_mb\": 10,"));
	assert_non_null(strstr(buf, "\"fc00::/7\""));
	assert_non_null(strstr(buf, "\"fe80::/10\""));
	assert_non_null(strstr(buf, "\"allow\": [],"));
	free(c);
}

static void test_round_trip_full(void **state)
{
	struct cfg *c = parse_ok(full_doc);
	char buf[4096];

	(void)state;
	round_trip(c);
	assert_true(cfg_format(c, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"threshold_mb\": 2.5,"));
	assert_non_null(strstr(buf, "\"2001:db8:1::/48\""));
	assert_non_null(strstr(buf, "\"198.51.100.7\""));
	assert_non_null(strstr(buf, "\"2001:db8::1\""));
	assert_non_null(strstr(buf, "\"*.cloud.example.org\""));
	assert_non_null(strstr(buf, "\"address\": \"192.168.1.250/24\""));
	assert_non_null(strstr(buf, "\"dns\": \"2001:4860:4860::8888\""));
	assert_non_null(strstr(buf, "\"proto\": \"tcp\""));
	free(c);
}

static void test_round_trip_values(void **state)
{
	static const char *const docs[] = {
		"{\"threshold_mb\": 0.000001}",
		"{\"threshold_mb\": 999999.999999}",
		"{\"threshold_mb\": 1000000}",
		"{\"threshold_mb\": 123.456789}",
		"{\"threshold_mb\": 0.1}",
		"{\"local_nets\": [\"::/0\", \"0.0.0.0/0\", \"1:0:0:1::/64\", \"0:0:1::/48\"]}",
		"{\"allow\": [\"1:0:0:2:0:0:0:3\", \"::ffff:1.2.3.4\", \"1:2:3:4:5:6:7:0\"]}",
		"{\"mqtt\": {\"topic_prefix\": \"a\\\"b\\\\c\"}}",
		"{\"mqtt\": {\"topic_prefix\": \"\xf0\x9f\x93\xb9/\xe2\x82\xac\"}}",
		"{\"mode\": \"learn\", \"mgmt\": {\"dhcp\": false, \"address\": \"10.1.2.3/31\"}}",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(docs); i++) {
		struct cfg *c = parse_ok(docs[i]);

		round_trip(c);
		free(c);
	}
	/* Every threshold a user can write in MB with 6 decimals survives. */
	{
		struct cfg *c = new_cfg();

		cfg_default(c);
		for (uint64_t b = 0; b <= 1000000000000ull; b = b * 3 + 7) {
			c->threshold_bytes = b;
			round_trip(c);
		}
		free(c);
	}
}

static void test_format_enospc(void **state)
{
	struct cfg *c = parse_ok(full_doc);
	char *buf = malloc(FMT_MAX);
	int n;

	(void)state;
	assert_non_null(buf);
	n = cfg_format(c, buf, FMT_MAX);
	assert_true(n > 0);
	for (size_t size = 0; size <= (size_t)n; size++) {
		char *small = malloc(size ? size : 1);

		assert_non_null(small);
		assert_int_equal(cfg_format(c, small, size), -ENOSPC);
		free(small);
	}
	{
		char *exact = malloc((size_t)n + 1);

		assert_non_null(exact);
		assert_int_equal(cfg_format(c, exact, (size_t)n + 1), n);
		assert_string_equal(exact, buf);
		free(exact);
	}
	assert_int_equal(cfg_format(c, NULL, 0), -ENOSPC);
	c->mode = 9;
	assert_int_equal(cfg_format(c, buf, FMT_MAX), -EINVAL);
	free(buf);
	free(c);
}

static void test_format_largest(void **state)
{
	struct cfg *c = new_cfg();
	char *buf = malloc(FMT_MAX);
	int n;

	(void)state;
	assert_non_null(buf);
	cfg_default(c);
	c->n_allow = CONFIG_CFG_MAX_ALLOW;
	for (size_t i = 0; i < CONFIG_CFG_MAX_ALLOW; i++) {
		char *s = c->allow[i].name;

		c->allow[i].kind = CFG_ALLOW_SUFFIX;
		for (size_t k = 0; k < 4; k++) {
			memset(s + k * 63, 'a', 62);
			s[k * 63 + 62] = '.';
		}
		(void)snprintf(s + 252, 2, "%c", (char)('a' + i % 26));
		s[0] = (char)('a' + i / 26);
	}
	c->n_local = CONFIG_CFG_MAX_NETS;
	for (size_t i = 0; i < CONFIG_CFG_MAX_NETS; i++) {
		c->local_nets[i] = cidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120");
		c->local_nets[i].addr[0] = (uint8_t)i;
	}
	n = cfg_format(c, buf, FMT_MAX);
	assert_true(n > 0);
	round_trip(c);
	free(buf);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_object_is_default),
		cmocka_unit_test(test_mode_name),
		cmocka_unit_test(test_full_document),
		cmocka_unit_test(test_partial_keeps_defaults),
		cmocka_unit_test(test_threshold_rounding),
		cmocka_unit_test(test_mgmt_static),
		cmocka_unit_test(test_allow_names),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_exact),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_out_untouched_on_error),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_untrusted_strings_quoted),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_ipv4_parse),
		cmocka_unit_test(test_ipv6_parse),
		cmocka_unit_test(test_cidr_match),
		cmocka_unit_test(test_is_local),
		cmocka_unit_test(test_round_trip_defaults),
		cmocka_unit_test(test_round_trip_full),
		cmocka_unit_test(test_round_trip_values),
		cmocka_unit_test(test_format_enospc),
		cmocka_unit_test(test_format_largest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
