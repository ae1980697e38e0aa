/*
 * Crash-safety torture of the directory storage driver, through the same
 * stor_* wrappers and stor_file driver the appliance uses. Driven by
 * tests/crash/crash_safety.sh, which SIGKILLs it at random points.
 *
 *   stor_torture DIR run SEED     recover DIR, then write until killed
 *                                 (bounded: RUN_MAX_OPS operations, RUN_MAX_S s)
 *   stor_torture DIR verify ACKS  check DIR against what run acknowledged
 *
 * run does config writes (config.json: a complete JSON document with a
 * sequence number, random padding and a CRC-32 field) and alert bursts
 * (alerts.jsonl: 1..20 appended JSON lines with sequence numbers and a
 * CRC-32, rotated to alerts.1.jsonl at ROTATE_BYTES). It acknowledges on
 * stdout, with one write(2) each so a kill cannot lose a printed line (the
 * script appends every cycle's acknowledgements to one file, so a run
 * killed before its start line leaves the previous run's as the truth):
 *   "S <cfg> <line>" where it starts (after recovery: torn tail cut),
 *   "C <seq>" once stor_write of config <seq> returned 0,
 *   "L <seq>" once stor_append of line <seq> returned 0.
 *
 * verify prints one line "ok|CORRUPT|LOST ..." with the figures and exits
 * 0 only for ok. ok means: every object parses and its CRC matches; the
 * config's sequence is the last acknowledged or the one in flight; the
 * journal's lines are contiguous, their last complete one is the last
 * acknowledged or the one in flight, and only the very end may be torn.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "stor.h"
#include "storage/stor_file.h"

#define CFG_NAME     "config.json"
#define JRN_NAME     "alerts.jsonl"
#define JRN_OLD      "alerts.1.jsonl"
#define ROTATE_BYTES (48u * 1024u)
#define DOC_MAX      (8u * 1024u)
#define JRN_MAX      (256u * 1024u)
#define RUN_MAX_OPS  100000u
#define RUN_MAX_S    20

struct torture {
	struct stor s;
	uint64_t rng;
	uint64_t cfg_seq;  /* last config on disk */
	uint64_t line_seq; /* last complete journal line on disk */
	bool torn;         /* the journal ended in a fragment */
	char doc[DOC_MAX];
	char jrn[2 * JRN_MAX];
};

static uint32_t crc32(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= (uint8_t)p[i];
		for (int k = 0; k < 8; k++) {
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
		}
	}
	return ~c;
}

static uint64_t rnd(struct torture *t, uint64_t n)
{
	/* xorshift64: seeded from the command line so a failing cycle replays. */
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return n ? t->rng % n : 0;
}

/* {"seq":N,"pad":"...","crc":"xxxxxxxx"}: the CRC covers everything before ,"crc". */
static size_t make_record(struct torture *t, uint64_t seq, size_t pad, char *out, size_t size)
{
	int n = snprintf(out, size, "{\"seq\":%llu,\"pad\":\"", (unsigned long long)seq);
	size_t len = (size_t)n;
	for (size_t i = 0; i < pad && len + 32 < size; i++) {
		out[len++] = "0123456789abcdef"[rnd(t, 16)];
	}
	out[len++] = '"';
	uint32_t c = crc32(out, len);
	len += (size_t)snprintf(out + len, size - len, ",\"crc\":\"%08x\"}", c);
	return len;
}

/* One record: parses, CRC matches. Its seq, or 0 when it is bad. */
static uint64_t check_record(const char *p, size_t n)
{
	const char *tag = ",\"crc\":\"";
	const char *at = NULL;
	for (const char *q = p; q + strlen(tag) <= p + n; q++) {
		if (memcmp(q, tag, strlen(tag)) == 0) {
			at = q;
		}
	}
	cJSON *j = cJSON_ParseWithLength(p, n);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
	const cJSON *crc = cJSON_GetObjectItemCaseSensitive(j, "crc");
	uint64_t r = 0;
	if (at != NULL && cJSON_IsNumber(seq) && cJSON_IsString(crc) && seq->valuedouble >= 1) {
		char want[16];
		snprintf(want, sizeof(want), "%08x", crc32(p, (size_t)(at - p)));
		r = strcmp(want, crc->valuestring) == 0 ? (uint64_t)seq->valuedouble : 0;
	}
	cJSON_Delete(j);
	return r;
}

/* One acknowledgement line: kind 'S' carries both numbers, 'C' and 'L' one. */
static void ack(char kind, uint64_t a, uint64_t b)
{
	char line[64];
	int n = kind == 'S'
			? snprintf(line, sizeof(line), "S %llu %llu\n", (unsigned long long)a,
				   (unsigned long long)b)
			: snprintf(line, sizeof(line), "%c %llu\n", kind, (unsigned long long)a);
	if (write(1, line, (size_t)n) != n) {
		_exit(3);
	}
}

/* Read both journal files into t->jrn (old first). Length, or -1 on a read error. */
static long load_journal(struct torture *t, size_t *old_len)
{
	int a = stor_read(&t->s, JRN_OLD, (uint8_t *)t->jrn, JRN_MAX);
	if (a == -ENOENT) {
		a = 0;
	}
	int b = a < 0 ? a : stor_read(&t->s, JRN_NAME, (uint8_t *)t->jrn + a, JRN_MAX);
	if (b == -ENOENT) {
		b = 0;
	}
	*old_len = a < 0 ? 0 : (size_t)a;
	return a < 0 || b < 0 ? -1 : (long)a + b;
}

struct jstat {
	uint64_t first, last; /* seqs of the first and last complete lines */
	uint64_t lines, bad;  /* complete lines, of which corrupt or out of order */
	size_t end;           /* bytes of alerts.jsonl up to its last newline */
	bool torn, old_torn;
};

/* Walk the journal: contiguous, CRC-checked lines; a fragment only at the very end. */
static int scan_journal(struct torture *t, struct jstat *js)
{
	size_t old_len;
	long n = load_journal(t, &old_len);
	memset(js, 0, sizeof(*js));
	if (n < 0) {
		return -1;
	}
	js->old_torn = old_len > 0 && t->jrn[old_len - 1] != '\n';
	size_t start = 0;
	for (size_t i = 0; i < (size_t)n; i++) {
		if (t->jrn[i] != '\n') {
			continue;
		}
		uint64_t seq = check_record(t->jrn + start, i - start);
		if (seq == 0 || (js->lines > 0 && seq != js->last + 1)) {
			js->bad++;
		}
		js->first = js->lines == 0 ? seq : js->first;
		js->last = seq;
		js->lines++;
		start = i + 1;
	}
	js->torn = start < (size_t)n;
	js->end = start > old_len ? start - old_len : 0;
	return 0;
}

static int run(struct torture *t)
{
	/* Recovery, as the appliance does at start. */
	int n = stor_read(&t->s, CFG_NAME, (uint8_t *)t->doc, sizeof(t->doc));
	t->cfg_seq = n > 0 ? check_record(t->doc, (size_t)n) : 0;
	struct jstat js;
	if (scan_journal(t, &js) != 0 || js.bad != 0 || (n < 0 && n != -ENOENT)) {
		fprintf(stderr, "stor_torture: state is corrupt at start\n");
		return 1;
	}
	if (js.torn && stor_truncate(&t->s, JRN_NAME, js.end) != 0) {
		fprintf(stderr, "stor_torture: %s\n", t->s.err);
		return 1;
	}
	t->line_seq = js.last;
	ack('S', t->cfg_seq, t->line_seq);
	time_t t0 = time(NULL);
	char line[600];
	for (uint32_t op = 0; op < RUN_MAX_OPS && time(NULL) - t0 < RUN_MAX_S; op++) {
		if (rnd(t, 3) == 0) {
			size_t len = make_record(t, t->cfg_seq + 1, 100 + rnd(t, 6000), t->doc,
						 sizeof(t->doc));
			if (stor_write(&t->s, CFG_NAME, (uint8_t *)t->doc, len) != 0) {
				fprintf(stderr, "stor_torture: %s\n", t->s.err);
				return 1;
			}
			ack('C', ++t->cfg_seq, 0);
			continue;
		}
		for (uint64_t k = 1 + rnd(t, 20); k > 0; k--) {
			int64_t size = stor_size(&t->s, JRN_NAME);
			if (size > (int64_t)ROTATE_BYTES) {
				(void)stor_rename(&t->s, JRN_NAME, JRN_OLD);
			}
			size_t len = make_record(t, t->line_seq + 1, 30 + rnd(t, 500), line,
						 sizeof(line) - 1);
			line[len++] = '\n';
			if (stor_append(&t->s, JRN_NAME, (uint8_t *)line, len) != 0) {
				fprintf(stderr, "stor_torture: %s\n", t->s.err);
				return 1;
			}
			ack('L', ++t->line_seq, 0);
		}
	}
	return 0;
}

/* The last acknowledgements of a run. -1 when the file has no start line. */
static int read_acks(const char *path, uint64_t *cfg, uint64_t *line)
{
	FILE *f = fopen(path, "r");
	char buf[128];
	int started = -1;
	while (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
		unsigned long long a = 0, b = 0;
		if (sscanf(buf, "S %llu %llu", &a, &b) == 2) {
			*cfg = a;
			*line = b;
			started = 0;
		} else if (sscanf(buf, "C %llu", &a) == 1) {
			*cfg = a;
		} else if (sscanf(buf, "L %llu", &a) == 1) {
			*line = a;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return started;
}

/* Files a kill left between temp write and rename (the next open removes them). */
static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		n += l > 0 && de->d_name[l - 1] == '~';
	}
	if (d != NULL) {
		closedir(d);
	}
	return n;
}

static int verify(struct torture *t, const char *acks, int temps)
{
	uint64_t acfg = 0, aline = 0;
	bool started = read_acks(acks, &acfg, &aline) == 0;
	int n = stor_read(&t->s, CFG_NAME, (uint8_t *)t->doc, sizeof(t->doc));
	uint64_t cseq = n > 0 ? check_record(t->doc, (size_t)n) : 0;
	bool cfg_bad = (n > 0 && cseq == 0) || (n < 0 && n != -ENOENT) || n == 0;
	struct jstat js;
	bool jrn_bad = scan_journal(t, &js) != 0 || js.bad != 0 || js.old_torn ||
		       (js.torn && js.last != aline);
	int corrupt = (int)cfg_bad + (int)jrn_bad;
	/* Lost: an acknowledged write that is not on disk. In flight: one past the ack. */
	int lost = (cseq < acfg) + (js.last < aline);
	bool too_new = cseq > acfg + 1 || js.last > aline + 1;
	const char *verdict = corrupt ? "CORRUPT" : lost || too_new || !started ? "LOST" : "ok";
	printf("%s started=%d config=%llu acked=%llu journal=%llu..%llu acked=%llu torn=%d "
	       "corrupt=%d lost=%d inflight_cfg_kept=%d inflight_line_kept=%d temps=%d\n",
	       verdict, started, (unsigned long long)cseq, (unsigned long long)acfg,
	       (unsigned long long)js.first, (unsigned long long)js.last, (unsigned long long)aline,
	       js.torn, corrupt, lost, cseq == acfg + 1, js.last == aline + 1, temps);
	return strcmp(verdict, "ok") == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static struct torture t;
	if (argc != 4 || (strcmp(argv[2], "run") != 0 && strcmp(argv[2], "verify") != 0)) {
		fprintf(stderr, "usage: stor_torture DIR run SEED | DIR verify ACKFILE\n");
		return 2;
	}
	/* Counted before stor_open, which removes them. */
	int temps = count_temps(argv[1]);
	stor_init(&t.s, &stor_file_ops, argv[1]);
	if (stor_open(&t.s) != 0) {
		fprintf(stderr, "stor_torture: %s\n", t.s.err);
		return 2;
	}
	int rc;
	if (strcmp(argv[2], "run") == 0) {
		t.rng = strtoull(argv[3], NULL, 10) * 2654435761u + 88172645463325252ull;
		for (int i = 0; i < 16; i++) {
			(void)rnd(&t, 0); /* spread nearby seeds apart */
		}
		rc = run(&t);
	} else {
		rc = verify(&t, argv[3], temps);
	}
	stor_close(&t.s);
	return rc;
}
