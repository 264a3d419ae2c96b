/*
 * discover/ldns_lazy.h - ldns, loaded on first use by discover/dns.c.
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_DISCOVER_LDNS_LAZY_H
#define MAMORI_DISCOVER_LDNS_LAZY_H

#include <ldns/ldns.h>

#include "base/lazy.h"

#define ldns_dname_new_frm_str(...) LAZY(lazy_ldns, ldns_dname_new_frm_str)(__VA_ARGS__)
#define ldns_get_errorstr_by_id(...) LAZY(lazy_ldns, ldns_get_errorstr_by_id)(__VA_ARGS__)
#define ldns_pkt_answer(...) LAZY(lazy_ldns, ldns_pkt_answer)(__VA_ARGS__)
#define ldns_pkt_free(...) LAZY(lazy_ldns, ldns_pkt_free)(__VA_ARGS__)
#define ldns_pkt_get_rcode(...) LAZY(lazy_ldns, ldns_pkt_get_rcode)(__VA_ARGS__)
#define ldns_rdf2native_int16(...) LAZY(lazy_ldns, ldns_rdf2native_int16)(__VA_ARGS__)
#define ldns_rdf2str(...) LAZY(lazy_ldns, ldns_rdf2str)(__VA_ARGS__)
#define ldns_rdf_data(...) LAZY(lazy_ldns, ldns_rdf_data)(__VA_ARGS__)
#define ldns_rdf_deep_free(...) LAZY(lazy_ldns, ldns_rdf_deep_free)(__VA_ARGS__)
#define ldns_rdf_new_frm_str(...) LAZY(lazy_ldns, ldns_rdf_new_frm_str)(__VA_ARGS__)
#define ldns_rdf_size(...) LAZY(lazy_ldns, ldns_rdf_size)(__VA_ARGS__)
#define ldns_resolver_deep_free(...) LAZY(lazy_ldns, ldns_resolver_deep_free)(__VA_ARGS__)
#define ldns_resolver_new(...) LAZY(lazy_ldns, ldns_resolver_new)(__VA_ARGS__)
#define ldns_resolver_new_frm_file(...) LAZY(lazy_ldns, ldns_resolver_new_frm_file)(__VA_ARGS__)
#define ldns_resolver_push_nameserver(...) \
	LAZY(lazy_ldns, ldns_resolver_push_nameserver)(__VA_ARGS__)
#define ldns_resolver_query_status(...) LAZY(lazy_ldns, ldns_resolver_query_status)(__VA_ARGS__)
#define ldns_resolver_set_defnames(...) LAZY(lazy_ldns, ldns_resolver_set_defnames)(__VA_ARGS__)
#define ldns_resolver_set_dnsrch(...) LAZY(lazy_ldns, ldns_resolver_set_dnsrch)(__VA_ARGS__)
#define ldns_resolver_set_dnssec(...) LAZY(lazy_ldns, ldns_resolver_set_dnssec)(__VA_ARGS__)
#define ldns_resolver_set_fallback(...) LAZY(lazy_ldns, ldns_resolver_set_fallback)(__VA_ARGS__)
#define ldns_resolver_set_port(...) LAZY(lazy_ldns, ldns_resolver_set_port)(__VA_ARGS__)
#define ldns_resolver_set_retrans(...) LAZY(lazy_ldns, ldns_resolver_set_retrans)(__VA_ARGS__)
#define ldns_resolver_set_retry(...) LAZY(lazy_ldns, ldns_resolver_set_retry)(__VA_ARGS__)
#define ldns_resolver_set_timeout(...) LAZY(lazy_ldns, ldns_resolver_set_timeout)(__VA_ARGS__)
#define ldns_rr_get_type(...) LAZY(lazy_ldns, ldns_rr_get_type)(__VA_ARGS__)
#define ldns_rr_list_rr(...) LAZY(lazy_ldns, ldns_rr_list_rr)(__VA_ARGS__)
#define ldns_rr_list_rr_count(...) LAZY(lazy_ldns, ldns_rr_list_rr_count)(__VA_ARGS__)
#define ldns_rr_owner(...) LAZY(lazy_ldns, ldns_rr_owner)(__VA_ARGS__)
#define ldns_rr_rd_count(...) LAZY(lazy_ldns, ldns_rr_rd_count)(__VA_ARGS__)
#define ldns_rr_rdf(...) LAZY(lazy_ldns, ldns_rr_rdf)(__VA_ARGS__)
#define ldns_rr_ttl(...) LAZY(lazy_ldns, ldns_rr_ttl)(__VA_ARGS__)

#endif
