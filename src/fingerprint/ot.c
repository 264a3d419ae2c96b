/*
 * ot.c - read-only identification requests and response parsers for Modbus/TCP,
 * Siemens S7comm, BACnet/IP and EtherNet/IP; every read is bounds-checked.
 */
#include "base/compat.h"

#include "fingerprint/ot.h"

/* A bounds-checked reader: once a read runs past the end, ok stays false and
 * every later read returns 0. */
struct rd {
	const unsigned char *p;
	size_t n, off;
	bool ok;
};

static uint8_t rd_u8(struct rd *r)
{
	if (!r->ok || r->off + 1 > r->n) {
		r->ok = false;
		return 0;
	}
	return r->p[r->off++];
}

static uint16_t rd_be16(struct rd *r)
{
	uint16_t hi = rd_u8(r);
	return (uint16_t)(hi << 8 | rd_u8(r));
}

static uint16_t rd_le16(struct rd *r)
{
	uint16_t lo = rd_u8(r);
	return (uint16_t)(lo | rd_u8(r) << 8);
}

static uint32_t rd_le32(struct rd *r)
{
	uint32_t lo = rd_le16(r);
	return lo | (uint32_t)rd_le16(r) << 16;
}

static uint32_t rd_be32(struct rd *r)
{
	uint32_t hi = rd_be16(r);
	return hi << 16 | rd_be16(r);
}

/* Borrows n bytes; NULL (and ok false) when they are not there. */
static const unsigned char *rd_bytes(struct rd *r, size_t n)
{
	const unsigned char *b;

	if (!r->ok || n > r->n - r->off) {
		r->ok = false;
		return NULL;
	}
	b = r->p + r->off;
	r->off += n;
	return b;
}

/* Device text: printable ASCII kept, trailing spaces/NULs cut, the rest '?'. */
static void put_text(char *dst, size_t cap, const unsigned char *s, size_t n)
{
	size_t o = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == 0))
		n--;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	dst[o] = '\0';
}

static int emit(const unsigned char *req, size_t len, unsigned char *out, size_t cap)
{
	if (cap < len)
		return M_ETOOBIG;
	memcpy(out, req, len);
	return (int)len;
}

/* ==== Modbus/TCP (Modbus Application Protocol v1.1b3 6.21, Messaging on TCP/IP 3.1.3) ==== */

int fp_modbus_devid_request(uint16_t transaction, uint8_t unit, unsigned char *out, size_t cap)
{
	const unsigned char req[] = {
	    (unsigned char)(transaction >> 8),
	    (unsigned char)transaction, /* MBAP transaction */
	    0x00,
	    0x00, /* protocol identifier: Modbus */
	    0x00,
	    0x05, /* length: unit id + 4 PDU bytes */
	    unit, /* unit identifier */
	    0x2b, /* function: Encapsulated Interface Transport */
	    0x0e, /* MEI type: Read Device Identification */
	    0x01, /* read device id code: basic (objects 0x00-0x02) */
	    0x00, /* first object: VendorName */
	};
	return emit(req, sizeof(req), out, cap);
}

static void modbus_object(struct fp_modbus_devid *o, uint8_t id, const unsigned char *v, size_t len)
{
	char *dst[] = {o->vendor, o->product, o->revision, NULL, o->product_name, o->model_name};

	if (id < ARRAY_SIZE(dst) && dst[id])
		put_text(dst[id], FP_OT_TEXT_MAX, v, len);
}

int fp_modbus_devid_parse(const unsigned char *p, size_t n, uint16_t transaction,
			  struct fp_modbus_devid *out)
{
	struct rd r = {p, n, 0, true};
	uint16_t len;
	uint8_t fc, nobj;

	memset(out, 0, sizeof(*out));
	if (n < 7)
		return FP_NEED_MORE;
	out->transaction = rd_be16(&r);
	if (rd_be16(&r) != 0 || out->transaction != transaction)
		return M_EPARSE;
	len = rd_be16(&r);
	if (len < 2 || len > 254) /* unit id + PDU of at most 253 bytes */
		return M_EPARSE;
	if (n < 6u + len)
		return FP_NEED_MORE;
	r.n = 6u + len; /* never read past this frame */
	out->consumed = r.n;
	out->unit = rd_u8(&r);
	fc = rd_u8(&r);
	if (fc == 0xab) {
		out->exception = true;
		out->exception_code = rd_u8(&r);
		return r.ok ? FP_DONE : M_EPARSE;
	}
	if (fc != 0x2b || rd_u8(&r) != 0x0e)
		return M_EPARSE;
	(void)rd_u8(&r); /* read device id code echoed */
	out->conformity = rd_u8(&r);
	out->more_follows = rd_u8(&r) == 0xff;
	(void)rd_u8(&r); /* next object id */
	nobj = rd_u8(&r);
	for (uint8_t i = 0; i < nobj && r.ok; i++) {
		uint8_t id = rd_u8(&r), olen = rd_u8(&r);
		const unsigned char *v = rd_bytes(&r, olen);
		if (v)
			modbus_object(out, id, v, olen);
	}
	return r.ok ? FP_DONE : M_EPARSE;
}

/* ==== Siemens S7 (TPKT RFC 1006, COTP ISO 8073 class 0, S7comm) ==== */

int fp_s7_cotp_cr(uint8_t rack, uint8_t slot, unsigned char *out, size_t cap)
{
	const unsigned char req[] = {
	    0x03,
	    0x00,
	    0x00,
	    0x16, /* TPKT: version 3, reserved, length 22 */
	    0x11, /* COTP length indicator: 17 bytes follow */
	    0xe0, /* CR: connection request, CDT 0 */
	    0x00,
	    0x00, /* destination reference */
	    0x00,
	    0x14, /* source reference */
	    0x00, /* class 0, no options */
	    0xc1,
	    0x02,
	    0x01,
	    0x00, /* calling TSAP: 0x0100 */
	    0xc2,
	    0x02,
	    0x01, /* called TSAP: 0x01 (PG), then rack/slot */
	    (unsigned char)((rack & 0x07) << 5 | (slot & 0x1f)),
	    0xc0,
	    0x01,
	    0x0a, /* TPDU size 2^10 = 1024 */
	};
	return emit(req, sizeof(req), out, cap);
}

int fp_s7_setup(uint16_t pdu_ref, unsigned char *out, size_t cap)
{
	const unsigned char req[] = {
	    0x03,
	    0x00,
	    0x00,
	    0x19, /* TPKT length 25 */
	    0x02,
	    0xf0,
	    0x80, /* COTP DT, last data unit */
	    0x32,
	    0x01, /* S7: protocol id, ROSCTR 1 job */
	    0x00,
	    0x00, /* redundancy id */
	    (unsigned char)(pdu_ref >> 8),
	    (unsigned char)pdu_ref,
	    0x00,
	    0x08, /* parameter length */
	    0x00,
	    0x00, /* data length */
	    0xf0,
	    0x00, /* function: setup communication, reserved */
	    0x00,
	    0x01, /* max AmQ calling */
	    0x00,
	    0x01, /* max AmQ called */
	    0x01,
	    0xe0, /* PDU length 480 */
	};
	return emit(req, sizeof(req), out, cap);
}

int fp_s7_read_szl(uint16_t pdu_ref, uint16_t szl_id, uint16_t szl_index, unsigned char *out,
		   size_t cap)
{
	const unsigned char req[] = {
	    0x03,
	    0x00,
	    0x00,
	    0x21, /* TPKT length 33 */
	    0x02,
	    0xf0,
	    0x80, /* COTP DT */
	    0x32,
	    0x07, /* S7: protocol id, ROSCTR 7 userdata */
	    0x00,
	    0x00,
	    (unsigned char)(pdu_ref >> 8),
	    (unsigned char)pdu_ref,
	    0x00,
	    0x08, /* parameter length */
	    0x00,
	    0x08, /* data length */
	    0x00,
	    0x01,
	    0x12, /* parameter head */
	    0x04, /* parameter length */
	    0x11, /* method: request */
	    0x44, /* type 4 request, function group 4: CPU functions */
	    0x01, /* subfunction: read SZL */
	    0x00, /* sequence number */
	    0xff, /* data: return code (request) */
	    0x09, /* transport size: octet string */
	    0x00,
	    0x04, /* length */
	    (unsigned char)(szl_id >> 8),
	    (unsigned char)szl_id,
	    (unsigned char)(szl_index >> 8),
	    (unsigned char)szl_index,
	};
	return emit(req, sizeof(req), out, cap);
}

/* SZL 0x0011 record: index, MLFB[20], BGTyp, Ausbg, Ausbe (28 bytes). */
static void szl_0011(struct fp_s7 *o, const unsigned char *rec, size_t len)
{
	uint16_t idx;

	if (len < 28)
		return;
	idx = (uint16_t)(rec[0] << 8 | rec[1]);
	if (idx == 0x0001)
		put_text(o->order_number, sizeof(o->order_number), rec + 2, 20);
	else if (idx == 0x0006)
		put_text(o->hardware, sizeof(o->hardware), rec + 2, 20);
	else if (idx == 0x0007 && rec[24] == 'V') /* Ausbg = 'V', major; Ausbe = minor, patch */
		snprintf(o->firmware, sizeof(o->firmware), "V%u.%u.%u", rec[25], rec[26], rec[27]);
}

/* SZL 0x001C record: index + 32 characters (34 bytes). */
static void szl_001c(struct fp_s7 *o, const unsigned char *rec, size_t len)
{
	char *dst[] = {NULL,	     o->system_name, o->module_name, o->plant_id,
		       o->copyright, o->serial,	     NULL,	     o->module_type};
	uint16_t idx;

	if (len < 34)
		return;
	idx = (uint16_t)(rec[0] << 8 | rec[1]);
	if (idx < ARRAY_SIZE(dst) && dst[idx])
		put_text(dst[idx], FP_OT_TEXT_MAX, rec + 2, 32);
}

static int s7_szl_data(struct rd *r, struct fp_s7 *o)
{
	uint16_t dlen, reclen, nrec;

	o->kind = FP_S7_SZL;
	o->return_code = rd_u8(r);
	(void)rd_u8(r); /* transport size */
	dlen = rd_be16(r);
	if (!r->ok || o->return_code != 0xff)
		return r->ok ? FP_DONE : M_EPARSE;
	if (dlen < 8 || dlen > r->n - r->off)
		return M_EPARSE;
	o->szl_id = rd_be16(r);
	o->szl_index = rd_be16(r);
	reclen = rd_be16(r);
	nrec = rd_be16(r);
	for (uint16_t i = 0; i < nrec && r->ok && reclen > 0; i++) {
		const unsigned char *rec = rd_bytes(r, reclen);
		if (!rec)
			break; /* a partial last record: keep what parsed */
		if ((o->szl_id & 0x00ff) == 0x11)
			szl_0011(o, rec, reclen);
		else if ((o->szl_id & 0x00ff) == 0x1c)
			szl_001c(o, rec, reclen);
	}
	return FP_DONE;
}

static int s7_pdu(struct rd *r, struct fp_s7 *o)
{
	uint8_t rosctr;
	uint16_t plen, dlen;
	const unsigned char *param;

	if (rd_u8(r) != 0x32)
		return M_EPARSE;
	rosctr = rd_u8(r);
	(void)rd_be16(r);
	o->pdu_ref = rd_be16(r);
	plen = rd_be16(r);
	dlen = rd_be16(r);
	if (rosctr == 0x02 || rosctr == 0x03) { /* ack / ack_data carry an error pair */
		o->error_class = rd_u8(r);
		o->error_code = rd_u8(r);
	}
	param = rd_bytes(r, plen);
	if (!param || dlen > r->n - r->off)
		return M_EPARSE;
	if (rosctr == 0x03 && plen >= 8 && param[0] == 0xf0) {
		o->kind = FP_S7_SETUP_ACK;
		o->pdu_size = (uint16_t)(param[6] << 8 | param[7]);
		return FP_DONE;
	}
	/* userdata response: 00 01 12 len 12 (response) 84 (type 8 group 4) 01 (read SZL) */
	if (rosctr == 0x07 && plen >= 8 && param[5] == 0x84 && param[6] == 0x01)
		return s7_szl_data(r, o);
	o->kind = FP_S7_OTHER;
	return FP_DONE;
}

int fp_s7_parse(const unsigned char *p, size_t n, struct fp_s7 *out)
{
	struct rd r = {p, n, 0, true};
	uint16_t tlen;
	uint8_t li, type;

	memset(out, 0, sizeof(*out));
	if (n < 4)
		return FP_NEED_MORE;
	if (rd_u8(&r) != 3 || rd_u8(&r) != 0)
		return M_EPARSE;
	tlen = rd_be16(&r);
	if (tlen < 7)
		return M_EPARSE;
	if (n < tlen)
		return FP_NEED_MORE;
	r.n = tlen;
	out->consumed = tlen;
	li = rd_u8(&r);
	type = rd_u8(&r);
	if (!r.ok || li < 1 || li > tlen - 5)
		return M_EPARSE;
	if ((type & 0xf0) == 0xd0) { /* CC: connection confirm */
		out->kind = FP_S7_COTP_CC;
		return FP_DONE;
	}
	if (type != 0xf0)
		return M_EPARSE;
	r.off = 5 + li; /* skip the rest of the COTP header */
	return s7_pdu(&r, out);
}

/* ==== BACnet/IP (ASHRAE 135: Annex J BVLL, clause 6 NPDU, clause 20 APDU encoding) ==== */

int fp_bacnet_whois(unsigned char *out, size_t cap)
{
	static const unsigned char req[] = {
	    0x81, 0x0a, 0x00, 0x08, /* BVLC: BACnet/IP, Original-Unicast-NPDU, length 8 */
	    0x01, 0x00,		    /* NPDU: version 1, no flags */
	    0x10, 0x08,		    /* APDU: unconfirmed request, service Who-Is */
	};
	return emit(req, sizeof(req), out, cap);
}

int fp_bacnet_read_property(uint8_t invoke_id, uint32_t device_instance, uint32_t property,
			    unsigned char *out, size_t cap)
{
	uint32_t oid = (8u << 22) | (device_instance & 0x3fffff); /* object type 8: device */
	unsigned char req[20];
	size_t k = 0;

	req[k++] = 0x81; /* BVLC type */
	req[k++] = 0x0a; /* Original-Unicast-NPDU */
	k += 2;		 /* length, below */
	req[k++] = 0x01; /* NPDU version */
	req[k++] = 0x04; /* control: expecting reply */
	req[k++] = 0x00; /* APDU: confirmed request, not segmented */
	req[k++] = 0x05; /* max segments unspecified, max APDU 1476 */
	req[k++] = invoke_id;
	req[k++] = 0x0c; /* service: readProperty */
	req[k++] = 0x0c; /* context tag 0, length 4: object identifier */
	req[k++] = (unsigned char)(oid >> 24);
	req[k++] = (unsigned char)(oid >> 16);
	req[k++] = (unsigned char)(oid >> 8);
	req[k++] = (unsigned char)oid;
	if (property < 256) {
		req[k++] = 0x19; /* context tag 1, length 1: property identifier */
	} else {
		req[k++] = 0x1a; /* context tag 1, length 2 */
		req[k++] = (unsigned char)(property >> 8);
	}
	req[k++] = (unsigned char)property;
	req[2] = 0;
	req[3] = (unsigned char)k;
	return emit(req, k, out, cap);
}

/* One BACnet tag header (clause 20.2.1). */
struct tag {
	uint8_t number;
	bool context;
	bool opening, closing;
	uint32_t len; /* or the value of an application boolean */
};

static bool rd_tag(struct rd *r, struct tag *t)
{
	uint8_t b = rd_u8(r), lvt = b & 0x07;

	t->number = b >> 4;
	t->context = (b & 0x08) != 0;
	t->opening = t->context && lvt == 6;
	t->closing = t->context && lvt == 7;
	if (t->number == 15)
		t->number = rd_u8(r);
	t->len = lvt;
	if (lvt == 5) {
		uint8_t x = rd_u8(r);
		t->len = x == 254 ? rd_be16(r) : x == 255 ? rd_be32(r) : x;
	}
	if (t->opening || t->closing)
		t->len = 0;
	return r->ok;
}

static uint32_t rd_uint(struct rd *r, uint32_t len)
{
	uint32_t v = 0;

	if (len == 0 || len > 4) {
		r->ok = false;
		return 0;
	}
	while (len--)
		v = v << 8 | rd_u8(r);
	return v;
}

/* I-Am (clause 16.10): object id, max APDU, segmentation, vendor id. */
static int bacnet_iam(struct rd *r, struct fp_bacnet *o)
{
	uint32_t *fields[] = {&o->device_instance, &o->max_apdu, &o->segmentation, &o->vendor_id};
	struct tag t;

	o->kind = FP_BACNET_IAM;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!rd_tag(r, &t) || t.context)
			return M_EPARSE;
		*fields[i] = rd_uint(r, t.len);
	}
	o->device_instance &= 0x3fffff;
	return r->ok ? FP_DONE : M_EPARSE;
}

/* ReadProperty-ACK (clause 15.5): [0] object id, [1] property, ([2] index), [3] value. */
static int bacnet_read_ack(struct rd *r, struct fp_bacnet *o)
{
	struct tag t;

	o->kind = FP_BACNET_READ_ACK;
	if (!rd_tag(r, &t) || !t.context || t.number != 0)
		return M_EPARSE;
	o->device_instance = rd_uint(r, t.len) & 0x3fffff;
	if (!rd_tag(r, &t) || !t.context || t.number != 1)
		return M_EPARSE;
	o->property = rd_uint(r, t.len);
	if (!rd_tag(r, &t))
		return M_EPARSE;
	if (t.context && t.number == 2) { /* array index */
		(void)rd_uint(r, t.len);
		if (!rd_tag(r, &t))
			return M_EPARSE;
	}
	if (!t.opening || t.number != 3 || !rd_tag(r, &t))
		return M_EPARSE;
	if (!t.context && t.number == 7 && t.len >= 1) { /* character string */
		uint8_t charset = rd_u8(r);
		const unsigned char *s = rd_bytes(r, t.len - 1);
		if (!s)
			return M_EPARSE;
		if (charset == 0) /* ANSI X3.4 / UTF-8 */
			put_text(o->value, sizeof(o->value), s, t.len - 1);
		else
			snprintf(o->value, sizeof(o->value), "(charset %u)", charset);
	} else if (!t.context && (t.number == 2 || t.number == 9)) { /* unsigned, enumerated */
		snprintf(o->value, sizeof(o->value), "%u", rd_uint(r, t.len));
	}
	return r->ok ? FP_DONE : M_EPARSE;
}

/* NPDU (clause 6.2): version, control, optional DNET/DADR, SNET/SADR, hop count. */
static int bacnet_npdu(struct rd *r)
{
	uint8_t ctrl;

	if (rd_u8(r) != 0x01)
		return M_EPARSE;
	ctrl = rd_u8(r);
	if (ctrl & 0x80) /* network layer message, no APDU */
		return M_EPARSE;
	if (ctrl & 0x20) {
		(void)rd_be16(r);
		(void)rd_bytes(r, rd_u8(r));
	}
	if (ctrl & 0x08) {
		(void)rd_be16(r);
		(void)rd_bytes(r, rd_u8(r));
	}
	if (ctrl & 0x20)
		(void)rd_u8(r); /* hop count */
	return r->ok ? 0 : M_EPARSE;
}

int fp_bacnet_parse(const unsigned char *p, size_t n, struct fp_bacnet *out)
{
	struct rd r = {p, n, 0, true};
	uint16_t blen;
	uint8_t pdu, fn;

	memset(out, 0, sizeof(*out));
	if (n < 4)
		return FP_NEED_MORE;
	fn = p[1];
	if (rd_u8(&r) != 0x81 || (fn != 0x0a && fn != 0x0b && fn != 0x04))
		return M_EPARSE;
	(void)rd_u8(&r);
	blen = rd_be16(&r);
	if (blen < 6)
		return M_EPARSE;
	if (n < blen)
		return FP_NEED_MORE;
	r.n = blen;
	out->consumed = blen;
	if (fn == 0x04) /* Forwarded-NPDU: original source address and port */
		(void)rd_bytes(&r, 6);
	if (bacnet_npdu(&r) != 0)
		return M_EPARSE;
	pdu = rd_u8(&r);
	switch (pdu >> 4) {
	case 0x1: /* unconfirmed request */
		if (rd_u8(&r) == 0x00)
			return bacnet_iam(&r, out);
		out->kind = FP_BACNET_OTHER;
		return r.ok ? FP_DONE : M_EPARSE;
	case 0x3: /* complex ACK */
		if (pdu & 0x08)
			return M_EPARSE; /* segmented: not for identification */
		out->invoke_id = rd_u8(&r);
		if (rd_u8(&r) != 0x0c)
			return M_EPARSE;
		return bacnet_read_ack(&r, out);
	case 0x5: { /* error: invoke id, service, class, code (application enumerated) */
		struct tag t;
		out->kind = FP_BACNET_ERROR;
		out->invoke_id = rd_u8(&r);
		(void)rd_u8(&r);
		if (rd_tag(&r, &t))
			out->error_class = rd_uint(&r, t.len);
		if (rd_tag(&r, &t))
			out->error_code = rd_uint(&r, t.len);
		return r.ok ? FP_DONE : M_EPARSE;
	}
	default: out->kind = FP_BACNET_OTHER; return r.ok ? FP_DONE : M_EPARSE;
	}
}

/* ==== EtherNet/IP (ODVA CIP Vol. 2, 2-4 encapsulation, 2-4.2.3 ListIdentity) ==== */

int fp_enip_list_identity(const unsigned char context[8], unsigned char *out, size_t cap)
{
	/* encapsulation header, all little-endian: command 0x0063 ListIdentity (2),
	 * length of data 0 (2), session handle 0 (4), status 0 (4), sender context (8),
	 * options 0 (4) */
	unsigned char req[24] = {0x63, 0x00};

	if (context)
		memcpy(req + 12, context, 8);
	return emit(req, sizeof(req), out, cap);
}

int fp_enip_parse_identity(const unsigned char *p, size_t n, struct fp_enip_identity *out)
{
	struct rd r = {p, n, 0, true};
	uint16_t len, items;

	memset(out, 0, sizeof(*out));
	if (n < 24)
		return FP_NEED_MORE;
	if (rd_le16(&r) != 0x63)
		return M_EPARSE;
	len = rd_le16(&r);
	(void)rd_le32(&r);
	if (rd_le32(&r) != 0) /* status */
		return M_EPARSE;
	(void)rd_bytes(&r, 12);
	if (n < 24u + len)
		return FP_NEED_MORE;
	r.n = 24u + len;
	out->consumed = r.n;
	items = rd_le16(&r);
	for (uint16_t i = 0; i < items && r.ok; i++) {
		uint16_t type = rd_le16(&r), ilen = rd_le16(&r);
		struct rd it = {rd_bytes(&r, ilen), ilen, 0, true};
		uint8_t nlen;
		if (!r.ok || type != 0x0c) /* 0x0C: CIP identity */
			continue;
		out->protocol_version = rd_le16(&it);
		(void)rd_be16(&it); /* sin_family */
		out->port = rd_be16(&it);
		out->ip = rd_be32(&it);
		(void)rd_bytes(&it, 8); /* sin_zero */
		out->vendor_id = rd_le16(&it);
		out->device_type = rd_le16(&it);
		out->product_code = rd_le16(&it);
		out->revision_major = rd_u8(&it);
		out->revision_minor = rd_u8(&it);
		out->status = rd_le16(&it);
		out->serial = rd_le32(&it);
		nlen = rd_u8(&it);
		{
			const unsigned char *name = rd_bytes(&it, nlen);
			if (name)
				put_text(out->product_name, sizeof(out->product_name), name, nlen);
		}
		out->state = rd_u8(&it);
		return it.ok ? FP_DONE : M_EPARSE;
	}
	return M_EPARSE; /* no identity item */
}
