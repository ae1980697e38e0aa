/*
 * nam_dns: the DNS response parser declared in nam.h (nam_dns_parse).
 *
 * It is a pure function of the message: the cache side (nam_cache.c) turns
 * its result into learned names. All reads go through struct pcur over the
 * whole message, so nothing is read past len.
 *
 * Names are walked label by label by one iterator (dns_label) that every
 * caller shares, so the pointer rules live in one place:
 *  - a pointer must point before the start of the name segment that holds
 *    it (the name's first byte, or the target of the previous pointer). The
 *    segment start then strictly decreases, so a name cannot loop however
 *    its pointers are arranged; a hop limit backs this up;
 *  - label types 0x40 and 0x80 are rejected;
 *  - a name may take at most 255 octets on the wire (RFC 1035), so its text
 *    form has at most 253 characters.
 * A structural error is -EBADMSG. A label byte outside [A-Za-z0-9-_] is not
 * an error (DNS allows any octet) but makes the name unusable: such a name
 * is never learned and never matches, which also keeps a '.' inside a label
 * from being read as a label boundary.
 *
 * The answer section is parsed once into a small table of candidate records
 * (offsets, not copies, ~16 bytes each on the stack), then the CNAME chain
 * is followed over that table. Records are compared by a hash of their
 * lower-cased name first and by walking both names only on a hash match.
 */
#include "nam.h"

#include <errno.h>
#include <string.h>

#include "pcur.h"

#define DNS_HDR_LEN    12u
#define DNS_MSG_MAX    65535u /* offsets are stored in 16 bits */
#define DNS_WIRE_MAX   255u   /* RFC 1035 name length, length octets included */
#define DNS_LABEL_MAX  63u
#define DNS_MAX_PTRS   32u /* far more than a real name needs (at most 127 labels) */
#define DNS_MAX_RR     (NAM_DNS_MAX_ADDRS + NAM_DNS_MAX_HOPS * 2u)
#define DNS_QR         0x8000u
#define DNS_OPCODE     0x7800u
#define DNS_RCODE      0x000fu
#define DNS_CLASS_IN   1u
#define DNS_TYPE_A     1u
#define DNS_TYPE_CNAME 5u
#define DNS_TYPE_AAAA  28u
#define DNS_FNV_OFF    UINT32_C(2166136261)
#define DNS_FNV_PRIME  UINT32_C(16777619)
#define DNS_TTL_SIGN   UINT32_C(0x80000000)

/* Walk state over one name. */
struct dns_it {
	struct pcur c; /* over the whole message; off is the next byte of the name */
	size_t seg;    /* start of the current segment; pointers must go below it */
	size_t end;    /* offset just past the name where it first appeared */
	size_t wire;   /* octets of the name so far */
	unsigned hops; /* pointers followed */
	bool jumped;
};

/* A candidate answer record: owner name and rdata, as offsets into msg. */
struct dns_rr {
	uint32_t hash; /* of the owner name */
	uint16_t owner;
	uint16_t type;
	uint16_t rd_off;
	uint16_t rd_len;
	uint32_t ttl;
};

/* A name on the CNAME chain. */
struct dns_link {
	uint32_t hash;
	uint16_t off;
};

static void dns_it_init(struct dns_it *it, const uint8_t *msg, size_t len, size_t off)
{
	pcur_init(&it->c, msg, len);
	it->c.off = off;
	it->seg = off;
	it->end = 0;
	it->wire = 0;
	it->hops = 0;
	it->jumped = false;
}

/* Follow a pointer whose first byte b was just read. */
static int dns_jump(struct dns_it *it, uint8_t b)
{
	uint8_t lo;
	size_t target;

	if (pcur_u8(&it->c, &lo) != 0) {
		return -EBADMSG;
	}
	target = (size_t)(b & 0x3fu) << 8 | lo;
	if (!it->jumped) {
		it->end = it->c.off;
	}
	if (target >= it->seg || ++it->hops > DNS_MAX_PTRS) {
		return -EBADMSG;
	}
	it->jumped = true;
	it->seg = target;
	it->c.off = target;
	return 0;
}

/*
 * Next label of the name: sets *lab and *n (n == 0 at the end of the name)
 * and returns 0, or returns -EBADMSG.
 */
static int dns_label(struct dns_it *it, const uint8_t **lab, uint8_t *n)
{
	for (;;) {
		uint8_t b;

		if (pcur_u8(&it->c, &b) != 0) {
			return -EBADMSG;
		}
		if ((b & 0xc0u) == 0xc0u) {
			if (dns_jump(it, b) != 0) {
				return -EBADMSG;
			}
			continue;
		}
		if (b > DNS_LABEL_MAX) {
			return -EBADMSG; /* 0x40 / 0x80: extended or reserved label types */
		}
		it->wire += 1u + b;
		if (it->wire > DNS_WIRE_MAX) {
			return -EBADMSG;
		}
		*lab = pcur_ptr(&it->c);
		*n = b;
		if (pcur_skip(&it->c, b) != 0) {
			return -EBADMSG;
		}
		if (b == 0 && !it->jumped) {
			it->end = it->c.off;
		}
		return 0;
	}
}

static bool dns_host_char(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

static uint8_t dns_lower(uint8_t ch)
{
	return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch + ('a' - 'A')) : ch;
}

/*
 * Walk the name at off. Sets *end past it, *hash over its lower-cased
 * labels, *host when every label is hostname characters and the name is not
 * the root, and writes the text to out (NAM_NAME_MAX + 1 bytes) when out is
 * not NULL. Returns 0 or -EBADMSG.
 */
static int dns_name(const uint8_t *msg, size_t len, size_t off, size_t *end, uint32_t *hash,
		    bool *host, char *out)
{
	struct dns_it it;
	uint32_t h = DNS_FNV_OFF;
	size_t pos = 0;
	const uint8_t *lab;
	uint8_t n;

	dns_it_init(&it, msg, len, off);
	*host = true;
	do {
		if (dns_label(&it, &lab, &n) != 0) {
			if (out != NULL) {
				out[0] = '\0'; /* never leave half a name behind */
			}
			return -EBADMSG;
		}
		h = (h ^ n) * DNS_FNV_PRIME;
		if (out != NULL && pos != 0 && n != 0) {
			out[pos++] = '.';
		}
		for (uint8_t i = 0; i < n; i++) {
			uint8_t ch = dns_lower(lab[i]);

			*host = *host && dns_host_char(ch);
			h = (h ^ ch) * DNS_FNV_PRIME;
			if (out != NULL) {
				out[pos++] = (char)ch;
			}
		}
	} while (n != 0);
	if (out != NULL) {
		out[pos] = '\0';
	}
	*host = *host && it.wire > 1;
	*end = it.end;
	*hash = h;
	return 0;
}

/* Case-insensitive equality of two names that dns_name() already accepted. */
static bool dns_name_eq(const uint8_t *msg, size_t len, size_t a, size_t b)
{
	struct dns_it ia, ib;
	const uint8_t *la, *lb;
	uint8_t na, nb;

	dns_it_init(&ia, msg, len, a);
	dns_it_init(&ib, msg, len, b);
	do {
		if (dns_label(&ia, &la, &na) != 0 || dns_label(&ib, &lb, &nb) != 0 || na != nb) {
			return false;
		}
		for (uint8_t i = 0; i < na; i++) {
			if (dns_lower(la[i]) != dns_lower(lb[i])) {
				return false;
			}
		}
	} while (na != 0);
	return true;
}

/*
 * Read the header and the question. Returns 1 when usable (qname text in
 * res->qname, its hash and offset in *q), 0 when unusable, or -EBADMSG.
 */
static int dns_question(struct pcur *c, struct nam_dns_result *res, struct dns_link *q)
{
	uint16_t flags, qd, qtype, qclass;
	size_t end;
	bool host;

	/* ID, flags, QDCOUNT; ANCOUNT, NSCOUNT and ARCOUNT are skipped here. */
	if (pcur_skip(c, 2) != 0 || pcur_u16be(c, &flags) != 0 || pcur_u16be(c, &qd) != 0 ||
	    pcur_skip(c, DNS_HDR_LEN - 6u) != 0) {
		return -EBADMSG;
	}
	if ((flags & DNS_QR) == 0 || (flags & DNS_OPCODE) != 0 || (flags & DNS_RCODE) != 0 ||
	    qd != 1) {
		return 0;
	}
	q->off = (uint16_t)c->off;
	if (dns_name(c->p, c->len, c->off, &end, &q->hash, &host, res->qname) != 0) {
		return -EBADMSG;
	}
	c->off = end;
	if (pcur_u16be(c, &qtype) != 0 || pcur_u16be(c, &qclass) != 0) {
		return -EBADMSG;
	}
	return host && qclass == DNS_CLASS_IN ? 1 : 0;
}

/*
 * Read one answer record; keep it in rr when it is a class-IN A, AAAA or
 * CNAME with a hostname owner. Returns 1 when kept, 0 when skipped, or
 * -EBADMSG.
 */
static int dns_record(struct pcur *c, struct dns_rr *rr)
{
	uint16_t type, class, rdlen;
	uint32_t ttl;
	size_t owner = c->off, end, rd_off;
	bool host, cname_host;
	struct pcur rd;

	if (dns_name(c->p, c->len, owner, &end, &rr->hash, &host, NULL) != 0) {
		return -EBADMSG;
	}
	c->off = end;
	if (pcur_u16be(c, &type) != 0 || pcur_u16be(c, &class) != 0 || pcur_u32be(c, &ttl) != 0 ||
	    pcur_u16be(c, &rdlen) != 0) {
		return -EBADMSG;
	}
	rd_off = c->off;
	if (pcur_sub(c, rdlen, &rd) != 0) {
		return -EBADMSG;
	}
	if (class != DNS_CLASS_IN) {
		return 0; /* other classes give A its own rdata format (CHAOS) */
	}
	if ((type == DNS_TYPE_A && rdlen != 4) || (type == DNS_TYPE_AAAA && rdlen != 16)) {
		return -EBADMSG;
	}
	if (type == DNS_TYPE_CNAME) {
		uint32_t th;

		/* The target is a name in rdata that may point anywhere before it. */
		if (dns_name(c->p, rd_off + rdlen, rd_off, &end, &th, &cname_host, NULL) != 0 ||
		    end != rd_off + rdlen) {
			return -EBADMSG;
		}
		host = host && cname_host;
	}
	if (!host || (type != DNS_TYPE_A && type != DNS_TYPE_AAAA && type != DNS_TYPE_CNAME)) {
		return 0;
	}
	rr->owner = (uint16_t)owner;
	rr->type = type;
	rr->rd_off = (uint16_t)rd_off;
	rr->rd_len = rdlen;
	rr->ttl = ttl;
	return 1;
}

/* Is the owner of rr one of the n names on the chain? */
static bool dns_on_chain(const uint8_t *msg, size_t len, const struct dns_rr *rr,
			 const struct dns_link *chain, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (chain[i].hash == rr->hash && dns_name_eq(msg, len, chain[i].off, rr->owner)) {
			return true;
		}
	}
	return false;
}

/*
 * Extend the chain from the query name through CNAME records, at most
 * NAM_DNS_MAX_HOPS links; a target already on the chain ends it (a loop).
 * Returns the chain length.
 */
static size_t dns_chain(const uint8_t *msg, size_t len, const struct dns_rr *rrs, size_t n_rr,
			struct dns_link *chain)
{
	size_t n = 1;

	while (n <= NAM_DNS_MAX_HOPS) {
		struct dns_link next = {0};
		bool found = false;
		size_t end;
		bool host;

		for (size_t i = 0; i < n_rr && !found; i++) {
			const struct dns_rr *rr = &rrs[i];

			if (rr->type != DNS_TYPE_CNAME ||
			    !dns_on_chain(msg, len, rr, &chain[n - 1], 1)) {
				continue;
			}
			next.off = rr->rd_off;
			/* Accepted by dns_record(), so this walk succeeds. */
			(void)dns_name(msg, len, rr->rd_off, &end, &next.hash, &host, NULL);
			found = true;
		}
		if (!found) {
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (chain[i].hash == next.hash &&
			    dns_name_eq(msg, len, chain[i].off, next.off)) {
				return n;
			}
		}
		chain[n++] = next;
	}
	return n;
}

/* Report the A/AAAA records whose owner is on the chain. */
static size_t dns_collect(const uint8_t *msg, size_t len, const struct dns_rr *rrs, size_t n_rr,
			  const struct dns_link *chain, size_t n_chain, struct nam_dns_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < n_rr && n < NAM_DNS_MAX_ADDRS; i++) {
		const struct dns_rr *rr = &rrs[i];

		if (rr->type == DNS_TYPE_CNAME || !dns_on_chain(msg, len, rr, chain, n_chain)) {
			continue;
		}
		res->addrs[n].family = rr->type == DNS_TYPE_A ? 4 : 6;
		res->addrs[n].addr = msg + rr->rd_off;
		/* RFC 2181 section 8: a TTL with the top bit set is read as zero. */
		res->addrs[n].ttl_s = (rr->ttl & DNS_TTL_SIGN) != 0 ? 0 : rr->ttl;
		n++;
	}
	return n;
}

static int dns_parse(const uint8_t *msg, size_t len, struct nam_dns_result *res)
{
	struct dns_rr rrs[DNS_MAX_RR];
	struct dns_link chain[NAM_DNS_MAX_HOPS + 1];
	struct pcur c;
	uint16_t an;
	size_t n_rr = 0, n_chain;
	int rc;

	res->qname[0] = '\0';
	res->n_addrs = 0;
	if (msg == NULL || len > DNS_MSG_MAX) {
		return -EBADMSG;
	}
	pcur_init(&c, msg, len);
	/* ANCOUNT sits at offset 6; read it before the question moves the cursor. */
	if (len < DNS_HDR_LEN) {
		return -EBADMSG;
	}
	an = (uint16_t)((uint16_t)msg[6] << 8 | msg[7]);
	rc = dns_question(&c, res, &chain[0]);
	if (rc <= 0) {
		return rc;
	}
	/* Every record is checked, even past the table, so a bad message is never half used. */
	for (uint16_t i = 0; i < an; i++) {
		struct dns_rr rr;

		rc = dns_record(&c, &rr);
		if (rc < 0) {
			return rc;
		}
		if (rc == 1 && n_rr < DNS_MAX_RR) {
			rrs[n_rr++] = rr;
		}
	}
	n_chain = dns_chain(msg, len, rrs, n_rr, chain);
	res->n_addrs = dns_collect(msg, len, rrs, n_rr, chain, n_chain, res);
	return (int)res->n_addrs;
}

int nam_dns_parse(const uint8_t *msg, size_t len, struct nam_dns_result *res)
{
	int rc = dns_parse(msg, len, res);

	if (rc < 0) {
		/* A rejected message says nothing, not even its query name. */
		res->qname[0] = '\0';
		res->n_addrs = 0;
	}
	return rc;
}
