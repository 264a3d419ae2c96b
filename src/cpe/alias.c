/* alias.c - the shipped product alias table (see VULNDATA §8.2) and folding. */
#include "base/compat.h"

#include <ctype.h>

#include "base/err.h"
#include "cpe/alias.h"

/* alias -> canonical; canonical names are the ones NVD uses most today. */
static const struct {
	const char *alias;
	const char *canonical;
} aliases[] = {
    {"nginx:nginx", "f5:nginx"},
    {"igor_sysoev:nginx", "f5:nginx"},
    {"microsoft:internet_information_server", "microsoft:internet_information_services"},
    {"microsoft:iis", "microsoft:internet_information_services"},
    {"university_of_cambridge:exim", "exim:exim"},
    {"wietse_venema:postfix", "postfix:postfix"},
    {"proftpd_project:proftpd", "proftpd:proftpd"},
    {"vsftpd_project:vsftpd", "beasts:vsftpd"},
    {"pulsesecure:pulse_connect_secure", "ivanti:connect_secure"},
    {"juniper:pulse_connect_secure", "ivanti:connect_secure"},
    {"juniper:junos_pulse_secure_access_service", "ivanti:connect_secure"},
    {"juniper:ive_os", "ivanti:connect_secure"},
    {"citrix:netscaler_application_delivery_controller", "citrix:netscaler"},
    {"citrix:netscaler_application_delivery_controller_firmware", "citrix:netscaler"},
    {"citrix:application_delivery_controller", "citrix:netscaler"},
    {"citrix:application_delivery_controller_firmware", "citrix:netscaler"},
    {"citrix:netscaler_gateway", "citrix:gateway"},
    {"citrix:netscaler_gateway_firmware", "citrix:gateway"},
    {"citrix:access_gateway", "citrix:gateway"},
    {"citrix:netscaler_access_gateway", "citrix:gateway"},
    {"citrix:netscaler_access_gateway_firmware", "citrix:gateway"},
    {"microsoft:exchange", "microsoft:exchange_server"},
    {"apache:apache_http_server", "apache:http_server"},
    {"openbsd:openssh", "openbsd:openssh"},
    /* CVE 5 CNA names (free text, folded) seen in shared/data/cve5 */
    {"palo_alto_networks:pan-os", "paloaltonetworks:pan-os"},
    {"apache_software_foundation:apache_http_server", "apache:http_server"},
    {"cisco:cisco_ios_xe_software", "cisco:ios_xe"},
    {"php_group:php", "php:php"},
    {"f5:nginx_open_source", "f5:nginx"},
    {"ivanti:ics", "ivanti:connect_secure"},
    {"citrix:netscaler_adc", "citrix:netscaler"},
    {"fortinet:fortinet_fortios", "fortinet:fortios"},
};

const char *vuln_alias_canonical(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(aliases[i].alias, key) == 0)
			return aliases[i].canonical;
	/* Legacy Cisco IOS XE train names: cisco:ios_xe_3.3sg -> cisco:ios_xe */
	if (strncmp(key, "cisco:ios_xe_", 13) == 0)
		return "cisco:ios_xe";
	return key;
}

static int add_folded(const char *s, char *out, size_t cap, size_t *n)
{
	for (; s && *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (*n + 1 >= cap)
			return M_ETOOBIG;
		out[(*n)++] = (char)tolower((unsigned char)*s);
	}
	return 0;
}

int vuln_fold_vp(const char *vendor, const char *product, char *out, size_t cap)
{
	char tmp[VULN_VP_MAX];
	size_t n = 0;
	const char *canon;

	if (!cap)
		return M_ETOOBIG;
	if (add_folded(vendor, tmp, sizeof(tmp), &n) || n + 1 >= sizeof(tmp))
		return M_ETOOBIG;
	tmp[n++] = ':';
	if (add_folded(product, tmp, sizeof(tmp), &n))
		return M_ETOOBIG;
	tmp[n] = '\0';
	canon = vuln_alias_canonical(tmp);
	if (strlen(canon) + 1 > cap)
		return M_ETOOBIG;
	snprintf(out, cap, "%s", canon);
	return 0;
}
