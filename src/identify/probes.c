/*
 * probes.c - the banner, DNS and read-only OT probes, and the helpers every probe shares
 * (Recog matching into the evidence, banner text kept). HTTP and TLS are in http.c.
 */
#include "base/compat.h"

#include <strings.h>

#include "base/mem.h"
#include "fingerprint/banner.h"
#include "fingerprint/ot.h"
#include "identify/identify_int.h"

/* ---------------------------------------------------------------- shared helpers */

const struct fp_result *ident_match(struct probe_ctx *p, const char *database, const char *text,
				    size_t len)
{
	struct fp_result *r;
	cJSON *m, *params;

	if (!p->cfg->db || p->n_res >= ARRAY_SIZE(p->res) || len == 0)
		return NULL;
	r = m_malloc(sizeof(*r));
	if (!r)
		return NULL;
	if (fp_match(p->cfg->db, database, text, len, r) != 1) {
		m_free(r);
		return NULL;
	}
	p->res[p->n_res++] = r;
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "database", r->database);
	cJSON_AddStringToObject(m, "description", r->description);
	params = cJSON_AddObjectToObject(m, "params");
	for (size_t i = 0; i < r->n_params; i++)
		cJSON_AddStringToObject(params, r->params[i].name, r->params[i].value);
	cJSON *all = cJSON_GetObjectItem(p->ev, "matches");
	if (!all)
		all = cJSON_AddArrayToObject(p->ev, "matches");
	cJSON_AddItemToArray(all, m);
	if (!cJSON_GetObjectItem(p->ev, "match"))
		cJSON_AddItemReferenceToObject(p->ev, "match", m);
	return r;
}

void ident_note_probe(struct probe_ctx *p, const char *probe, const char *result, double t0,
		      const char *detail)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "probe", probe);
	cJSON_AddStringToObject(o, "result", result);
	cJSON_AddNumberToObject(o, "ms", (double)(long)((ident_now() - t0) * 1000));
	if (detail && *detail)
		cJSON_AddStringToObject(o, "detail", detail);
	cJSON_AddItemToArray(p->probes, o);
}

void ident_keep_banner(struct probe_ctx *p, const char *data, size_t n)
{
	size_t room = IDENT_BANNER_MAX - p->banner.len;

	if (p->banner.len >= IDENT_BANNER_MAX)
		return;
	buf_add(&p->banner, data, n < room ? n : room);
}

void ident_set_service(struct probe_ctx *p, const char *service)
{
	snprintf(p->service, sizeof(p->service), "%s", service);
}

static double min_d(double a, double b)
{
	return a < b ? a : b;
}

/* ---------------------------------------------------------------- banners */

static bool starts(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(p, prefix, k);
}

static bool has_word(const char *p, size_t n, const char *word)
{
	char tmp[1024];
	size_t k = n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1;

	memcpy(tmp, p, k);
	tmp[k] = '\0';
	for (size_t i = 0; i < k; i++)
		if (!tmp[i])
			tmp[i] = ' ';
	return strcasestr(tmp, word) != NULL;
}

static bool is_mysql(const unsigned char *u, size_t n)
{
	if (n < 5)
		return false;
	size_t len = u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16;
	return len > 0 && len < 1024 && u[3] == 0 && (u[4] == 10 || u[4] == 0xFF);
}

/* Names the protocol of what a service said first, or NULL. hint breaks FTP/SMTP ties. */
static const char *classify(const char *p, size_t n, const char *hint)
{
	const unsigned char *u = (const unsigned char *)p;

	if (starts(p, n, "SSH-"))
		return "ssh";
	if (starts(p, n, "HTTP/"))
		return "http";
	if (starts(p, n, "+OK") || starts(p, n, "-ERR"))
		return "pop3";
	if (starts(p, n, "* OK") || starts(p, n, "* PREAUTH") || starts(p, n, "* BYE"))
		return "imap";
	if (n > 0 && u[0] == 0xFF)
		return "telnet";
	if (is_mysql(u, n))
		return "mysql";
	if (n >= 4 && (p[0] >= '1' && p[0] <= '5') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
	    p[2] <= '9' && (p[3] == ' ' || p[3] == '-')) {
		if (has_word(p, n, "SMTP") || has_word(p, n, "mail"))
			return "smtp";
		if (has_word(p, n, "FTP"))
			return "ftp";
		return hint && !strcmp(hint, "smtp") ? "smtp" : "ftp";
	}
	return NULL;
}

/* True when the message in p is complete for its protocol (no need to wait for more). */
static bool banner_complete(const char *p, size_t n, const char *proto)
{
	struct fp_banner b;
	struct fp_mysql m;

	if (!proto)
		return false;
	if (!strcmp(proto, "ssh"))
		return fp_ssh_ident(p, n, &b) == FP_DONE;
	if (!strcmp(proto, "ftp") || !strcmp(proto, "smtp"))
		return fp_greeting(FP_GREET_SMTP, p, n, &b) == FP_DONE;
	if (!strcmp(proto, "pop3") || !strcmp(proto, "imap"))
		return memchr(p, '\n', n) != NULL;
	if (!strcmp(proto, "mysql"))
		return fp_mysql_greeting((const unsigned char *)p, n, &m) == FP_DONE;
	return false; /* telnet, unknown: wait for a pause */
}

/* Reads until the message is complete, a pause of `gap` seconds after data, the cap, or the
 * deadline. first_wait bounds the wait for the first byte. Returns bytes held in b. */
static size_t read_banner(struct probe_ctx *p, struct iconn *c, struct buf *b, double first_wait,
			  double gap, const char *hint)
{
	double first = min_d(ident_now() + first_wait, p->deadline);

	while (c->total < p->cfg->read_cap) {
		double dl = b->len ? min_d(ident_now() + gap, p->deadline) : first;
		int r = iconn_read(c, b, p->cfg->read_cap, dl);
		if (r <= 0)
			break;
		if (banner_complete(b->ptr, b->len, classify(b->ptr, b->len, hint)))
			break;
	}
	p->out->bytes_read += c->total;
	return b->len;
}

static void smtp_ehlo(struct probe_ctx *p, struct iconn *c)
{
	static const char ehlo[] = "EHLO mamori.invalid\r\n";
	struct buf b;
	struct fp_ehlo *e = m_calloc(1, sizeof(*e));
	double dl = min_d(ident_now() + 1.5, p->deadline);

	buf_init(&b, p->cfg->read_cap);
	if (e && iconn_write(c, ehlo, sizeof(ehlo) - 1, dl) == 0) {
		while (iconn_read(c, &b, 16384, dl) > 0)
			if (fp_smtp_ehlo(b.ptr, b.len, e) == FP_DONE)
				break;
		if (fp_smtp_ehlo(b.ptr, b.len, e) == FP_DONE) {
			cJSON *o = cJSON_AddObjectToObject(p->ev, "smtp_ehlo"),
			      *x = cJSON_AddArrayToObject(o, "extensions");
			cJSON_AddStringToObject(o, "host", e->host);
			for (size_t i = 0; i < e->n_ext; i++)
				cJSON_AddItemToArray(x, cJSON_CreateString(e->ext[i]));
			cJSON_AddBoolToObject(o, "starttls", e->has_starttls);
		}
	}
	p->out->bytes_read += b.len;
	m_free(e);
	buf_release(&b);
}

/* A polite goodbye so the service logs a normal disconnect; nothing that changes state. */
static void goodbye(struct probe_ctx *p, struct iconn *c, const char *proto)
{
	const char *bye = NULL;
	double dl = min_d(ident_now() + 0.5, p->deadline);

	if (!strcmp(proto, "smtp") || !strcmp(proto, "ftp") || !strcmp(proto, "pop3"))
		bye = "QUIT\r\n";
	else if (!strcmp(proto, "imap"))
		bye = "a1 LOGOUT\r\n";
	if (bye)
		iconn_write(c, bye, strlen(bye), dl);
}

/* Matches banner bytes of protocol proto; returns true when something matched. */
static bool match_banner(struct probe_ctx *p, const char *proto, const char *raw, size_t n)
{
	static const struct {
		const char *proto, *db, *alt;
	} dbs[] = {
	    {"ssh", "ssh_banners", NULL},
	    {"ftp", "ftp_banners", "smtp_banners"},
	    {"smtp", "smtp_banners", "ftp_banners"},
	    {"pop3", "pop_banners", NULL},
	    {"imap", "imap_banners", NULL},
	    {"telnet", "telnet_banners", NULL},
	};
	char text[FP_BANNER_MAX];
	size_t len;

	if (!strcmp(proto, "mysql")) {
		struct fp_mysql m;
		if (fp_mysql_greeting((const unsigned char *)raw, n, &m) != FP_DONE)
			return false;
		if (m.is_error)
			return ident_match(p, "mysql_error", m.error_message,
					   strlen(m.error_message)) != NULL;
		return ident_match(p, "mysql_banners", m.version, strlen(m.version)) != NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dbs); i++) {
		if (strcmp(dbs[i].proto, proto))
			continue;
		len = fp_banner_text(dbs[i].db, raw, n, text, sizeof(text));
		if (ident_match(p, dbs[i].db, text, len))
			return true;
		if (dbs[i].alt) {
			len = fp_banner_text(dbs[i].alt, raw, n, text, sizeof(text));
			if (ident_match(p, dbs[i].alt, text, len)) {
				ident_set_service(p, !strcmp(dbs[i].alt, "smtp_banners") ? "smtp"
											 : "ftp");
				return true;
			}
		}
	}
	return false;
}

/* Handles bytes a service sent on its own (or in answer to something else). Exposed to
 * http.c through ident_take_bytes. */
bool ident_take_bytes(struct probe_ctx *p, struct iconn *c, const char *raw, size_t n,
		      const char *hint);
bool ident_take_bytes(struct probe_ctx *p, struct iconn *c, const char *raw, size_t n,
		      const char *hint)
{
	const char *proto = classify(raw, n, hint);

	ident_keep_banner(p, raw, n);
	if (!proto || !strcmp(proto, "http"))
		return false;
	ident_set_service(p, proto);
	if (!strcmp(proto, "smtp") && c)
		smtp_ehlo(p, c);
	if (c)
		goodbye(p, c, proto);
	if (match_banner(p, proto, raw, n))
		p->done = true;
	return true;
}

void ident_probe_banner(struct probe_ctx *p, bool short_wait)
{
	struct iconn c;
	struct buf b;
	double t0 = ident_now();
	const char *hint = p->service[0] ? p->service : NULL;
	int rc = iconn_open(&c, &p->t->ip, p->t->port, false, p->deadline);

	if (rc) {
		ident_note_probe(p, "banner", "no connection", t0, c.why);
		iconn_close(&c);
		return;
	}
	p->connected = true;
	buf_init(&b, p->cfg->read_cap + 1);
	read_banner(p, &c, &b, short_wait ? p->cfg->silent_wait * 2 / 3 : p->cfg->silent_wait * 1.5,
		    0.4, hint);
	if (b.len == 0) {
		ident_note_probe(p, "banner", "no bytes", t0,
				 c.eof ? "closed without a word" : "waited for a banner");
	} else {
		char detail[64];
		p->any_bytes = true;
		bool known = ident_take_bytes(p, &c, b.ptr, b.len, hint);
		snprintf(detail, sizeof(detail), "%zu bytes%s", b.len,
			 c.total >= p->cfg->read_cap ? " (read cap reached)" : "");
		ident_note_probe(p, "banner",
				 p->done ? "matched"
				 : known ? "no match"
					 : "unknown",
				 t0, detail);
	}
	buf_release(&b);
	iconn_close(&c);
}

/* ---------------------------------------------------------------- DNS version.bind */

void ident_probe_dns(struct probe_ctx *p, bool udp)
{
	struct iconn c;
	struct buf b;
	unsigned char q[FP_DNS_QUERY_MAX];
	struct fp_dns_txt txt;
	uint16_t id = (uint16_t)(0x4d00 | (p->t->port & 0xff));
	double t0 = ident_now();
	int qlen = fp_dns_version_query(id, !udp, q, sizeof(q)), prc = M_EPARSE;
	const char *name = udp ? "dns-udp" : "dns-tcp";

	if (iconn_open(&c, &p->t->ip, p->t->port, udp, p->deadline)) {
		ident_note_probe(p, name, "no connection", t0, c.why);
		iconn_close(&c);
		return;
	}
	p->connected = !udp;
	buf_init(&b, p->cfg->read_cap + 1);
	for (int attempt = 0; attempt < (udp ? 2 : 1) && prc != FP_DONE; attempt++) {
		double dl = min_d(ident_now() + p->cfg->silent_wait, p->deadline);
		if (qlen <= 0 || iconn_write(&c, q, (size_t)qlen, dl))
			break;
		while (iconn_read(&c, &b, p->cfg->read_cap, dl) > 0) {
			prc = fp_dns_parse_txt((const unsigned char *)b.ptr, b.len, !udp, id, &txt);
			if (prc != FP_NEED_MORE)
				break;
		}
	}
	p->out->bytes_read += b.len;
	if (b.len) {
		p->any_bytes = true;
		p->connected = true;
	}
	if (prc == FP_DONE) {
		cJSON *o = cJSON_AddObjectToObject(p->ev, "dns");
		ident_set_service(p, "dns");
		cJSON_AddNumberToObject(o, "rcode", txt.rcode);
		cJSON_AddStringToObject(o, "version_bind", txt.text);
		ident_keep_banner(p, txt.text, strlen(txt.text));
		if (txt.n_answers &&
		    (ident_match(p, "dns_versionbind", txt.text, strlen(txt.text)) ||
		     ident_match(p, "mamori_dns_versionbind", txt.text, strlen(txt.text))))
			p->done = true;
		ident_note_probe(p, name, p->done ? "matched" : "answered", t0,
				 txt.n_answers ? txt.text : "version.bind not answered");
		/* a DNS server that hides its version is still a DNS server */
		p->done = true;
	} else {
		ident_note_probe(p, name, b.len ? "not dns" : "no reply", t0, NULL);
		if (b.len && !udp)
			ident_keep_banner(p, b.ptr, b.len);
	}
	buf_release(&b);
	iconn_close(&c);
}

/* ---------------------------------------------------------------- OT (read-only) */

static const char *enip_vendor(uint16_t id)
{
	static const struct {
		uint16_t id;
		const char *name;
	} v[] = {{1, "Rockwell Automation"},
		 {5, "Rockwell Automation"},
		 {40, "WAGO"},
		 {44, "Omron"},
		 {283, "Schneider Electric"},
		 {50, "Schneider Electric"},
		 {674, "Mitsubishi Electric"},
		 {287, "Siemens"}};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		if (v[i].id == id)
			return v[i].name;
	return NULL;
}

/* Sends req, reads until parse says done; parse returns FP_DONE/FP_NEED_MORE/<0. */
static int exchange(struct probe_ctx *p, struct iconn *c, const unsigned char *req, size_t n,
		    struct buf *b, int (*parse)(const unsigned char *, size_t, void *), void *out)
{
	double dl = min_d(ident_now() + p->cfg->silent_wait * 1.5, p->deadline);
	int prc = M_EPARSE;

	buf_reset(b);
	if (iconn_write(c, req, n, dl))
		return M_ENET;
	while (iconn_read(c, b, p->cfg->read_cap, dl) > 0) {
		prc = parse((const unsigned char *)b->ptr, b->len, out);
		if (prc != FP_NEED_MORE)
			break;
	}
	p->out->bytes_read += b->len;
	if (b->len)
		p->any_bytes = true;
	return b->len ? prc : M_ETIMEOUT;
}

static int parse_modbus(const unsigned char *u, size_t n, void *out)
{
	return fp_modbus_devid_parse(u, n, 0x4d4d, out);
}
static int parse_s7(const unsigned char *u, size_t n, void *out)
{
	return fp_s7_parse(u, n, out);
}
static int parse_enip(const unsigned char *u, size_t n, void *out)
{
	return fp_enip_parse_identity(u, n, out);
}
static int parse_bacnet(const unsigned char *u, size_t n, void *out)
{
	return fp_bacnet_parse(u, n, out);
}

static void set_ids(struct probe_ctx *p, const char *vendor, const char *product,
		    const char *version, const char *device)
{
	struct ident_service *s = p->out;

	snprintf(s->vendor, sizeof(s->vendor), "%s", vendor ? vendor : "");
	snprintf(s->product, sizeof(s->product), "%s", product ? product : "");
	snprintf(s->version, sizeof(s->version), "%s", version ? version : "");
	snprintf(s->device_type, sizeof(s->device_type), "%s", device);
	if (*s->product &&
	    fp_cpe_build('h', s->vendor, s->product, s->version, s->cpe, sizeof(s->cpe)) != 0)
		s->cpe[0] = '\0';
	if (*s->product || *s->vendor) {
		snprintf(s->state, sizeof(s->state), "identified");
		p->done = true;
	}
}

static void ot_modbus(struct probe_ctx *p, struct iconn *c, struct buf *b, cJSON *o)
{
	unsigned char req[64];
	struct fp_modbus_devid d;
	int n = fp_modbus_devid_request(0x4d4d, 0, req, sizeof(req));

	if (n > 0 && exchange(p, c, req, (size_t)n, b, parse_modbus, &d) == FP_DONE) {
		cJSON_AddStringToObject(o, "vendor", d.vendor);
		cJSON_AddStringToObject(o, "product_code", d.product);
		cJSON_AddStringToObject(o, "revision", d.revision);
		cJSON_AddStringToObject(o, "product_name", d.product_name);
		cJSON_AddBoolToObject(o, "exception", d.exception);
		ident_set_service(p, "modbus");
		set_ids(p, d.vendor, *d.product_name ? d.product_name : d.product, d.revision,
			"PLC");
		if (d.exception)
			p->done = true; /* a Modbus device that refuses device id */
	}
}

static void ot_s7(struct probe_ctx *p, struct iconn *c, struct buf *b, cJSON *o)
{
	unsigned char req[256];
	struct fp_s7 s;
	int n = fp_s7_cotp_cr(0, 2, req, sizeof(req));

	if (n <= 0 || exchange(p, c, req, (size_t)n, b, parse_s7, &s) != FP_DONE ||
	    s.kind != FP_S7_COTP_CC)
		return;
	ident_set_service(p, "s7");
	n = fp_s7_setup(1, req, sizeof(req));
	if (n <= 0 || exchange(p, c, req, (size_t)n, b, parse_s7, &s) != FP_DONE ||
	    s.kind != FP_S7_SETUP_ACK)
		return;
	n = fp_s7_read_szl(2, 0x0011, 0x0000, req, sizeof(req));
	if (n <= 0 || exchange(p, c, req, (size_t)n, b, parse_s7, &s) != FP_DONE)
		return;
	cJSON_AddStringToObject(o, "order_number", s.order_number);
	cJSON_AddStringToObject(o, "firmware", s.firmware);
	set_ids(p, "Siemens", s.order_number, s.firmware[0] == 'V' ? s.firmware + 1 : s.firmware,
		"PLC");
	p->done = true;
}

static void ot_enip(struct probe_ctx *p, struct iconn *c, struct buf *b, cJSON *o)
{
	static const unsigned char ctx[8] = "mamori00";
	unsigned char req[64];
	struct fp_enip_identity id;
	char rev[32];
	int n = fp_enip_list_identity(ctx, req, sizeof(req));

	if (n <= 0 || exchange(p, c, req, (size_t)n, b, parse_enip, &id) != FP_DONE)
		return;
	snprintf(rev, sizeof(rev), "%u.%u", id.revision_major, id.revision_minor);
	cJSON_AddNumberToObject(o, "vendor_id", id.vendor_id);
	cJSON_AddNumberToObject(o, "device_type", id.device_type);
	cJSON_AddNumberToObject(o, "product_code", id.product_code);
	cJSON_AddStringToObject(o, "product_name", id.product_name);
	cJSON_AddStringToObject(o, "revision", rev);
	cJSON_AddNumberToObject(o, "serial", id.serial);
	ident_set_service(p, "enip");
	set_ids(p, enip_vendor(id.vendor_id), id.product_name, rev, "PLC");
	p->done = true;
}

static void ot_bacnet(struct probe_ctx *p, struct iconn *c, struct buf *b, cJSON *o)
{
	static const uint32_t props[] = {FP_BACNET_PROP_VENDOR_NAME, FP_BACNET_PROP_MODEL_NAME,
					 FP_BACNET_PROP_FIRMWARE_REVISION};
	char vals[3][FP_OT_TEXT_MAX] = {{0}};
	unsigned char req[64];
	struct fp_bacnet r;
	int n = fp_bacnet_whois(req, sizeof(req));

	if (n <= 0 || exchange(p, c, req, (size_t)n, b, parse_bacnet, &r) != FP_DONE ||
	    r.kind != FP_BACNET_IAM)
		return;
	uint32_t inst = r.device_instance;
	cJSON_AddNumberToObject(o, "device_instance", inst);
	cJSON_AddNumberToObject(o, "vendor_id", r.vendor_id);
	ident_set_service(p, "bacnet");
	p->done = true;
	for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
		n = fp_bacnet_read_property((uint8_t)(i + 1), inst, props[i], req, sizeof(req));
		if (n > 0 && exchange(p, c, req, (size_t)n, b, parse_bacnet, &r) == FP_DONE &&
		    r.kind == FP_BACNET_READ_ACK)
			snprintf(vals[i], sizeof(vals[i]), "%s", r.value);
	}
	cJSON_AddStringToObject(o, "vendor_name", vals[0]);
	cJSON_AddStringToObject(o, "model_name", vals[1]);
	cJSON_AddStringToObject(o, "firmware_revision", vals[2]);
	set_ids(p, vals[0], vals[1], vals[2], "BACnet device");
}

void ident_probe_ot(struct probe_ctx *p, enum ident_probe which)
{
	struct iconn c;
	struct buf b;
	double t0 = ident_now();
	const char *name = ident_probe_name(which);
	bool udp = which == IDP_BACNET;
	cJSON *o;

	if (!p->t->ot_enabled) {
		ident_note_probe(p, name, "skipped", t0,
				 "OT probe not enabled / OTプローブは許可されていません");
		snprintf(p->out->note, sizeof(p->out->note), "OT probe not enabled");
		/* nothing was sent: the port is open (the scan said so) but not examined */
		snprintf(p->out->state, sizeof(p->out->state), "unidentified");
		p->done = true; /* no other probe either: the analyst has not allowed this device */
		return;
	}
	if (iconn_open(&c, &p->t->ip, p->t->port, udp, p->deadline)) {
		ident_note_probe(p, name, "no connection", t0, c.why);
		iconn_close(&c);
		return;
	}
	p->connected = !udp;
	buf_init(&b, p->cfg->read_cap + 1);
	o = cJSON_AddObjectToObject(p->ev, "ot");
	cJSON_AddStringToObject(o, "protocol", name);
	switch (which) {
	case IDP_MODBUS: ot_modbus(p, &c, &b, o); break;
	case IDP_S7: ot_s7(p, &c, &b, o); break;
	case IDP_ENIP: ot_enip(p, &c, &b, o); break;
	case IDP_BACNET: ot_bacnet(p, &c, &b, o); break;
	default: break;
	}
	if (p->any_bytes && udp)
		p->connected = true;
	if (!p->done && b.len)
		ident_keep_banner(p, b.ptr, b.len);
	ident_note_probe(p, name,
			 p->done ? "identified"
			 : b.len ? "not understood"
				 : "no reply",
			 t0, NULL);
	buf_release(&b);
	iconn_close(&c);
}
