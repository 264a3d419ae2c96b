/*
 * plan.c - which probes to try on a port, in which order: a table keyed by port, so a
 * port's usual service is asked first and the per-port budget is not spent on guesses.
 */
#include "base/compat.h"

#include "identify/identify.h"

#include <string.h>

struct hint {
	uint16_t port;
	bool udp;
	const char *service;
	enum ident_probe probes[IDENT_PLAN_MAX];
	size_t n;
};

/* Banner protocols speak first, so the banner probe also tells a wrong guess (an SSH
 * server on port 80) from the right one: whatever arrives is classified by content. */
#define BANNER_THEN_TLS {IDP_BANNER, IDP_TLS, IDP_HTTP}, 3
#define HTTP_FIRST {IDP_HTTP, IDP_TLS, IDP_BANNER}, 3
#define TLS_FIRST {IDP_TLS, IDP_HTTP, IDP_BANNER}, 3

static const struct hint hints[] = {
    {21, false, "ftp", BANNER_THEN_TLS},
    {22, false, "ssh", BANNER_THEN_TLS},
    {23, false, "telnet", BANNER_THEN_TLS},
    {25, false, "smtp", BANNER_THEN_TLS},
    {53, false, "dns", {IDP_DNS_TCP, IDP_BANNER}, 2},
    {53, true, "dns", {IDP_DNS_UDP}, 1},
    {80, false, "http", HTTP_FIRST},
    {102, false, "s7", {IDP_S7}, 1},
    {110, false, "pop3", BANNER_THEN_TLS},
    {143, false, "imap", BANNER_THEN_TLS},
    {443, false, "https", TLS_FIRST},
    {465, false, "smtp", {IDP_TLS, IDP_BANNER}, 2},
    {502, false, "modbus", {IDP_MODBUS}, 1},
    {587, false, "smtp", BANNER_THEN_TLS},
    {993, false, "imap", {IDP_TLS, IDP_BANNER}, 2},
    {995, false, "pop3", {IDP_TLS, IDP_BANNER}, 2},
    {2323, false, "telnet", BANNER_THEN_TLS},
    {3306, false, "mysql", BANNER_THEN_TLS},
    {4443, false, "https", TLS_FIRST},
    {8000, false, "http", HTTP_FIRST},
    {8008, false, "http", HTTP_FIRST},
    {8080, false, "http", HTTP_FIRST},
    {8081, false, "http", HTTP_FIRST},
    {8443, false, "https", TLS_FIRST},
    {8888, false, "http", HTTP_FIRST},
    {44818, false, "enip", {IDP_ENIP}, 1},
    {47808, true, "bacnet", {IDP_BACNET}, 1},
};

static const char *const probe_names[IDP_COUNT] = {
    [IDP_BANNER] = "banner",   [IDP_HTTP] = "http",	  [IDP_TLS] = "tls",
    [IDP_DNS_TCP] = "dns-tcp", [IDP_DNS_UDP] = "dns-udp", [IDP_MODBUS] = "modbus",
    [IDP_S7] = "s7",	       [IDP_BACNET] = "bacnet",	  [IDP_ENIP] = "enip",
};

const char *ident_probe_name(enum ident_probe p)
{
	return (unsigned)p < IDP_COUNT ? probe_names[p] : "?";
}

bool ident_probe_is_ot(enum ident_probe p)
{
	return p == IDP_MODBUS || p == IDP_S7 || p == IDP_BACNET || p == IDP_ENIP;
}

void ident_plan_for(uint16_t port, bool udp, struct ident_plan *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ARRAY_SIZE(hints); i++) {
		if (hints[i].port != port || hints[i].udp != udp)
			continue;
		out->service = hints[i].service;
		out->n = hints[i].n;
		memcpy(out->probes, hints[i].probes, sizeof(out->probes));
		out->ot = ident_probe_is_ot(out->probes[0]);
		return;
	}
	out->service = "unknown";
	if (udp) /* no generic UDP probe: sending guesses to unknown UDP ports proves nothing */
		return;
	/* Unknown TCP port: a short wait for a spontaneous banner, then TLS, then HTTP. */
	out->n = 3;
	out->probes[0] = IDP_BANNER;
	out->probes[1] = IDP_TLS;
	out->probes[2] = IDP_HTTP;
	out->wait_first = true;
}

/* Service names as the identify module, nmap and Recog write them, shown to readers. */
static const struct {
	const char *name, *ja, *en;
} service_labels[] = {
    {"http", "HTTP", "HTTP"},
    {"https", "HTTPS", "HTTPS"},
    {"http-proxy", "HTTP プロキシ", "HTTP proxy"},
    {"http-alt", "HTTP (代替ポート)", "HTTP (alternate port)"},
    {"ssl/http", "HTTPS", "HTTPS"},
    {"ssh", "SSH", "SSH"},
    {"ftp", "FTP", "FTP"},
    {"telnet", "Telnet", "Telnet"},
    {"smtp", "SMTP (メール送信)", "SMTP (mail)"},
    {"submission", "SMTP (メール送信)", "SMTP (mail)"},
    {"dns", "DNS", "DNS"},
    {"domain", "DNS", "DNS"},
    {"pop3", "POP3 (メール受信)", "POP3 (mail)"},
    {"imap", "IMAP (メール受信)", "IMAP (mail)"},
    {"imaps", "IMAP over TLS (メール受信)", "IMAP over TLS (mail)"},
    {"pop3s", "POP3 over TLS (メール受信)", "POP3 over TLS (mail)"},
    {"mysql", "MySQL", "MySQL"},
    {"postgresql", "PostgreSQL", "PostgreSQL"},
    {"postgres", "PostgreSQL", "PostgreSQL"},
    {"ms-sql-s", "Microsoft SQL Server", "Microsoft SQL Server"},
    {"mssql", "Microsoft SQL Server", "Microsoft SQL Server"},
    {"ms-wbt-server", "RDP (リモートデスクトップ)", "RDP (Remote Desktop)"},
    {"rdp", "RDP (リモートデスクトップ)", "RDP (Remote Desktop)"},
    {"microsoft-ds", "SMB (ファイル共有)", "SMB (file sharing)"},
    {"smb", "SMB (ファイル共有)", "SMB (file sharing)"},
    {"netbios-ssn", "NetBIOS (ファイル共有)", "NetBIOS (file sharing)"},
    {"vnc", "VNC (画面共有)", "VNC (screen sharing)"},
    {"snmp", "SNMP", "SNMP"},
    {"ldap", "LDAP", "LDAP"},
    {"redis", "Redis", "Redis"},
    {"mongodb", "MongoDB", "MongoDB"},
    {"elasticsearch", "Elasticsearch", "Elasticsearch"},
    {"modbus", "Modbus (制御系)", "Modbus (OT)"},
    {"s7", "Siemens S7 (制御系)", "Siemens S7 (OT)"},
    {"iso-tsap", "Siemens S7 (制御系)", "Siemens S7 (OT)"},
    {"enip", "EtherNet/IP (制御系)", "EtherNet/IP (OT)"},
    {"ethernet-ip", "EtherNet/IP (制御系)", "EtherNet/IP (OT)"},
    {"bacnet", "BACnet (制御系)", "BACnet (OT)"},
    {"sip", "SIP (音声通話)", "SIP (voice)"},
    {"ipsec", "IPsec VPN", "IPsec VPN"},
    {"isakmp", "IPsec VPN", "IPsec VPN"},
    {"pptp", "PPTP VPN", "PPTP VPN"},
    {"unknown", "不明", "unknown"},
};

const char *ident_service_label(const char *service, bool en)
{
	if (!service)
		return "";
	for (size_t i = 0; i < sizeof service_labels / sizeof service_labels[0]; i++)
		if (!strcmp(service, service_labels[i].name))
			return en ? service_labels[i].en : service_labels[i].ja;
	return service;
}
