/* risky.c - the risky exposed-service table: which open ports and identified services are
 * findings in themselves (CyHy's "potentially risky services", BOD 23-02 management interfaces). */
#include "base/compat.h"

#include <strings.h>

#include "findings/findings.h"

/* Severity reasoning (docs/RATING.md): remote admin and file sharing protocols that are
 * exploited at scale (RDP, SMB, VNC, Telnet) and OT protocols with no authentication are
 * critical/high; databases high; cleartext FTP medium; management pages of edge devices
 * (the products most often in KEV) high. Order matters only for display. */
static const struct finding_risky_rule risky_rules[] = {
    {"rdp", 3389, "tcp", NULL, NULL, "high",
     "RDP（リモートデスクトップ）がインターネットに公開されています",
     "RDP exposed to the internet (brute force, BlueKeep-class bugs, ransomware entry)"},
    {"smb", 445, "tcp", NULL, NULL, "critical",
     "SMB（ファイル共有）がインターネットに公開されています",
     "SMB exposed to the internet (EternalBlue/WannaCry class)"},
    {"telnet", 23, "tcp", NULL, NULL, "high", "Telnet（平文の遠隔ログイン）が公開されています",
     "Telnet exposed: cleartext remote login"},
    {"telnet", 0, "tcp", "telnet", NULL, "high", "Telnet（平文の遠隔ログイン）が公開されています",
     "Telnet exposed: cleartext remote login"},
    {"vnc", 5900, "tcp", NULL, NULL, "high", "VNC（画面共有）がインターネットに公開されています",
     "VNC exposed to the internet"},
    {"mysql", 3306, "tcp", NULL, NULL, "high", "MySQL データベースが公開されています",
     "MySQL database port exposed"},
    {"postgresql", 5432, "tcp", NULL, NULL, "high", "PostgreSQL データベースが公開されています",
     "PostgreSQL database port exposed"},
    {"mssql", 1433, "tcp", NULL, NULL, "high", "Microsoft SQL Server が公開されています",
     "Microsoft SQL Server port exposed"},
    {"mongodb", 27017, "tcp", NULL, NULL, "high", "MongoDB が公開されています",
     "MongoDB port exposed (often without authentication)"},
    {"redis", 6379, "tcp", NULL, NULL, "high", "Redis が公開されています",
     "Redis port exposed (often without authentication)"},
    {"elasticsearch", 9200, "tcp", NULL, NULL, "high", "Elasticsearch が公開されています",
     "Elasticsearch port exposed (data readable without authentication)"},
    {"ftp", 21, "tcp", NULL, NULL, "medium", "FTP（平文のファイル転送）が公開されています",
     "FTP exposed: credentials and data in cleartext"},
    {"ftp", 0, "tcp", "ftp", NULL, "medium", "FTP（平文のファイル転送）が公開されています",
     "FTP exposed: credentials and data in cleartext"},
    {"modbus", 502, "tcp", NULL, NULL, "critical", "制御系プロトコル Modbus/TCP が公開されています",
     "OT protocol Modbus/TCP exposed (no authentication: reads and writes to the PLC)"},
    {"s7", 102, "tcp", NULL, NULL, "critical", "制御系プロトコル Siemens S7 が公開されています",
     "OT protocol Siemens S7comm exposed"},
    {"bacnet", 47808, "udp", NULL, NULL, "critical",
     "ビル制御プロトコル BACnet/IP が公開されています",
     "OT protocol BACnet/IP exposed (building automation)"},
    {"enip", 44818, NULL, NULL, NULL, "critical", "制御系プロトコル EtherNet/IP が公開されています",
     "OT protocol EtherNet/IP exposed"},
    {"dnp3", 20000, "tcp", NULL, NULL, "critical", "制御系プロトコル DNP3 が公開されています",
     "OT protocol DNP3 exposed"},
    {"mgmt-fortinet", 0, NULL, NULL, "fortigate", "high", "FortiGate の管理画面が公開されています",
     "FortiGate management interface exposed (BOD 23-02; frequent KEV entries)"},
    {"mgmt-fortinet", 0, NULL, NULL, "fortios", "high", "FortiGate の管理画面が公開されています",
     "FortiGate management interface exposed (BOD 23-02; frequent KEV entries)"},
    {"mgmt-pulse", 0, NULL, NULL, "pulse secure", "high",
     "Pulse Secure / Ivanti VPN の管理画面が公開されています",
     "Pulse Secure / Ivanti Connect Secure interface exposed (frequent KEV entries)"},
    {"mgmt-pulse", 0, NULL, NULL, "ivanti", "high",
     "Pulse Secure / Ivanti VPN の管理画面が公開されています",
     "Pulse Secure / Ivanti Connect Secure interface exposed (frequent KEV entries)"},
    {"mgmt-citrix", 0, NULL, NULL, "netscaler", "high",
     "Citrix NetScaler の管理画面が公開されています",
     "Citrix NetScaler / ADC interface exposed (frequent KEV entries)"},
    {"mgmt-citrix", 0, NULL, NULL, "citrix", "high",
     "Citrix NetScaler の管理画面が公開されています",
     "Citrix NetScaler / ADC interface exposed (frequent KEV entries)"},
    {"mgmt-paloalto", 0, NULL, NULL, "globalprotect", "high",
     "Palo Alto GlobalProtect が公開されています",
     "Palo Alto GlobalProtect / PAN-OS interface exposed"},
    {"mgmt-sonicwall", 0, NULL, NULL, "sonicwall", "high", "SonicWall の管理画面が公開されています",
     "SonicWall management interface exposed"},
    {"mgmt-ilo", 0, NULL, NULL, "integrated lights-out", "high",
     "サーバ管理 (iLO) が公開されています", "HPE iLO out-of-band management exposed"},
    {"mgmt-idrac", 0, NULL, NULL, "idrac", "high", "サーバ管理 (iDRAC) が公開されています",
     "Dell iDRAC out-of-band management exposed"},
};

const struct finding_risky_rule *finding_risky_table(size_t *n)
{
	*n = ARRAY_SIZE(risky_rules);
	return risky_rules;
}

/* Services that, once identified, mean the port is not what its number suggests. */
static bool identified_as_other(const struct finding_risky_rule *r, const char *service)
{
	if (!service || !*service || !strcmp(service, "unknown"))
		return false;
	if (!strcmp(service, r->id))
		return false;
	/* names the identify module uses for the ports in the table */
	static const char *const aliases[][2] = {
	    {"smb", "microsoft-ds"},  {"postgresql", "postgres"}, {"mssql", "ms-sql-s"},
	    {"rdp", "ms-wbt-server"}, {"enip", "ethernet-ip"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (!strcmp(r->id, aliases[i][0]) && !strcmp(service, aliases[i][1]))
			return false;
	return true;
}

static bool rule_matches(const struct finding_risky_rule *r, const struct finding_port *p)
{
	if (r->port && r->port != p->port)
		return false;
	if (r->proto && (!p->proto || strcmp(r->proto, p->proto)))
		return false;
	if (r->service && (!p->service || strcmp(r->service, p->service)))
		return false;
	if (r->pattern) {
		if (!p->text || !strcasestr(p->text, r->pattern))
			return false;
	}
	if (r->port && !r->service && !r->pattern && identified_as_other(r, p->service))
		return false;
	return r->port || r->service || r->pattern;
}

size_t finding_risky_match(const struct finding_port *p,
			   void (*fn)(const struct finding_risky_rule *r, void *arg), void *arg)
{
	size_t hits = 0;
	const char *last_id = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(risky_rules); i++) {
		const struct finding_risky_rule *r = &risky_rules[i];
		if (!rule_matches(r, p))
			continue;
		if (last_id && !strcmp(last_id, r->id))
			continue; /* the same issue by two rules (port and service) counts once */
		last_id = r->id;
		hits++;
		if (fn)
			fn(r, arg);
	}
	return hits;
}
