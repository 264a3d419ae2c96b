/*
 * label.c - display words for findings: a declared product's name from its CPE (titles,
 * mail subjects) and evidence as "key: value" lines (reports, the console's table).
 */
#include "findings/findings.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

/* CPE vendor:product -> the name people know; others: the product with spaces. upper: the
 * vendor writes the version's letters in capitals ("22.3R1", the CPE has "22.3r1"). */
static const struct {
	const char *vendor, *product, *name;
	bool upper;
} NAMES[] = {
    {"microsoft", "exchange_server", "Microsoft Exchange Server", false},
    {"ivanti", "connect_secure", "Ivanti Connect Secure", true},
    {"pulsesecure", "pulse_connect_secure", "Pulse Connect Secure", true},
    {"fortinet", "fortios", "FortiOS"},
    {"fortinet", "fortiweb", "FortiWeb"},
    {"fortinet", "fortigate", "FortiGate"},
    {"paloaltonetworks", "pan-os", "PAN-OS"},
    {"citrix", "netscaler_application_delivery_controller", "Citrix NetScaler ADC"},
    {"cisco", "adaptive_security_appliance_software", "Cisco ASA"},
    {"openbsd", "openssh", "OpenSSH"},
    {"apache", "http_server", "Apache HTTP Server"},
    {"oracle", "mysql", "MySQL"},
    {"exim", "exim", "Exim"},
    {"vmware", "vcenter_server", "VMware vCenter Server"},
};

static void spaced(char *s)
{
	for (; *s; s++)
		if (*s == '_')
			*s = ' ';
}

void finding_product_label(const char *cpe, const char *prod, const char *ver, char *out,
			   size_t cap)
{
	char part[6][128] = {{0}}, name[160], upd[160];
	const char *p = cpe;
	size_t k = 0;

	if (!cap)
		return;
	if (!cpe || strncmp(cpe, "cpe:2.3:", 8)) {
		snprintf(name, sizeof name, "%s", prod && *prod ? prod : cpe ? cpe : "?");
		spaced(name);
		snprintf(out, cap, "%s%s%s", name, ver && *ver ? " " : "", ver ? ver : "");
		return;
	}
	/* cpe, 2.3, part, vendor, product, version, update */
	while (p && k < 6 + 2) {
		const char *q = strchr(p, ':');
		size_t n = q ? (size_t)(q - p) : strlen(p);
		if (k >= 2)
			snprintf(part[k - 2], sizeof(part[0]), "%.*s", (int)n, p);
		k++;
		p = q ? q + 1 : NULL;
	}
	snprintf(name, sizeof name, "%s", part[2]);
	spaced(name);
	bool upper = false;
	for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
		if (!strcmp(part[1], NAMES[i].vendor) && !strcmp(part[2], NAMES[i].product)) {
			snprintf(name, sizeof name, "%s", NAMES[i].name);
			upper = NAMES[i].upper;
		}
	const char *v = strcmp(part[3], "*") && strcmp(part[3], "-") ? part[3] : "";
	for (int j = 3; upper && j <= 4; j++)
		for (char *c = part[j]; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
	bool has_upd = part[4][0] && strcmp(part[4], "*") && strcmp(part[4], "-");
	/* "cumulative_update_23" reads "CU23" (Microsoft's own short form) */
	if (has_upd && !strncmp(part[4], "cumulative_update_", 18))
		snprintf(upd, sizeof upd, "CU%.150s", part[4] + 18);
	else
		snprintf(upd, sizeof upd, "%s", has_upd ? part[4] : "");
	spaced(upd);
	/* "7.2" + "p1" reads "7.2p1"; "2016" + "CU23" needs a space */
	bool glue = has_upd && strlen(part[4]) <= 3;
	snprintf(out, cap, "%s%s%s%s%s", name, *v ? " " : "", v, has_upd && !glue ? " " : "", upd);
}

static int walk(const cJSON *o, const char *prefix, finding_evidence_fn fn, void *arg)
{
	const cJSON *x;
	int rc = 0;

	cJSON_ArrayForEach(x, o)
	{
		if (cJSON_IsObject(x)) {
			if ((rc = walk(x, x->string, fn, arg)))
				return rc;
			continue;
		}
		char *txt = NULL;
		const char *v = cJSON_IsString(x) ? x->valuestring
				: cJSON_IsNull(x) ? NULL
						  : (txt = cJSON_PrintUnformatted(x));
		if (cJSON_IsBool(x))
			v = cJSON_IsTrue(x) ? "true" : "false";
		rc = fn(arg, prefix, x->string ? x->string : "", v, x);
		cJSON_free(txt);
		if (rc)
			return rc;
	}
	return 0;
}

int finding_evidence_walk(const struct cJSON *ev, finding_evidence_fn fn, void *arg)
{
	return cJSON_IsObject(ev) ? walk(ev, NULL, fn, arg) : 0;
}

struct lines {
	const char *yes, *no;
	char *out;
	size_t cap, len;
};

static int line(void *arg, const char *prefix, const char *key, const char *value,
		const struct cJSON *item)
{
	struct lines *l = arg;
	char esc[4 * 1024 + 1];
	int n;

	if (l->len + 1 >= l->cap)
		return 1;
	if (cJSON_IsBool(item))
		value = cJSON_IsTrue(item) ? l->yes : l->no;
	/* binary banner bytes (a MySQL handshake) as \xNN, never U+FFFD */
	utf8_escape_binary(value ? value : "-", esc, sizeof esc);
	n = snprintf(l->out + l->len, l->cap - l->len, "%s%s%s%s: %s", l->len ? "\n" : "",
		     prefix ? prefix : "", prefix ? " › " : "", key, esc);
	if (n < 0 || (size_t)n >= l->cap - l->len) {
		l->len = l->cap - 1;
		return 1;
	}
	l->len += (size_t)n;
	return 0;
}

char *finding_evidence_lines(const char *json, const char *yes, const char *no, char *out,
			     size_t cap)
{
	struct lines l = {yes, no, out, cap, 0};
	cJSON *ev;

	if (!cap)
		return out;
	out[0] = '\0';
	if (!json || !*json)
		return out;
	ev = cJSON_Parse(json);
	if (cJSON_IsObject(ev))
		finding_evidence_walk(ev, line, &l);
	else /* not JSON: the text as it is, binary bytes escaped */
		utf8_escape_binary(json, out, cap);
	cJSON_Delete(ev);
	return out;
}

int finding_declared_on(struct store *s, const char *org, const char *asset, char *out, size_t cap,
			struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc;

	if (cap)
		out[0] = '\0';
	if (!asset || strncmp(asset, "declared:cpe:", 13))
		return 0;
	rc = store_prepare(
	    s,
	    "SELECT d.asset FROM declared_products d JOIN orgs o ON o.id = d.org_id "
	    "WHERE o.slug = ? AND d.cpe = ? AND d.asset IS NOT NULL AND d.asset <> '' "
	    "ORDER BY d.id LIMIT 1",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, asset + 9);
	rc = stmt_step(st, e);
	if (rc == 1 && cap)
		snprintf(out, cap, "%s", stmt_text(st, 0));
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* An IPv4 or IPv6 literal (digits, dots, hex and colons only, with a dot or a colon). */
static bool ip_literal(const char *s, size_t n)
{
	bool mark = false;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' || c == ':')
			mark = true;
		else if (!isxdigit(c))
			return false;
	}
	/* "cafe.be" is a hostname: a dotted name with a hex-letter label is not IPv4 */
	if (!memchr(s, ':', n))
		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)s[i]) && s[i] != '.')
				return false;
	return mark;
}

char *finding_asset_name(const char *asset, const char *ip, char *out, size_t cap, bool *is_name)
{
	size_t n;
	const char *slash, *colon;

	if (is_name)
		*is_name = false;
	if (!cap)
		return out;
	out[0] = '\0';
	if (!asset || !strncmp(asset, "declared:", 9))
		return out;
	n = strlen(asset);
	/* "HOST:PORT/PROTO": the host part (an IPv6 address keeps its own colons) */
	slash = strrchr(asset, '/');
	if (slash) {
		colon = slash;
		while (colon > asset && colon[-1] != ':')
			colon--;
		if (colon > asset && colon < slash &&
		    strspn(colon, "0123456789") == (size_t)(slash - colon))
			n = (size_t)(colon - 1 - asset);
	}
	if (n && !ip_literal(asset, n)) {
		snprintf(out, cap, "%.*s", (int)n, asset);
		if (is_name)
			*is_name = true;
	} else if (ip && *ip)
		snprintf(out, cap, "%s", ip);
	else
		snprintf(out, cap, "%.*s", (int)n, asset);
	return out;
}
