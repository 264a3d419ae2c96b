/*
 * base/xml2_lazy.h - libxml2, loaded on first use by fingerprint/recog.c, feeds/feed_jvn_xml.c and
 * feeds/feed_sync_jvn.c. xmlFree is a variable (a function pointer), not a function.
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_BASE_XML2_LAZY_H
#define MAMORI_BASE_XML2_LAZY_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/lazy.h"

#define xmlCtxtGetLastError(...) LAZY(lazy_xml2, xmlCtxtGetLastError)(__VA_ARGS__)
#define xmlCtxtReadMemory(...) LAZY(lazy_xml2, xmlCtxtReadMemory)(__VA_ARGS__)
#define xmlDocGetRootElement(...) LAZY(lazy_xml2, xmlDocGetRootElement)(__VA_ARGS__)
#define xmlFree LAZY(lazy_xml2, xmlFree)
#define xmlFreeDoc(...) LAZY(lazy_xml2, xmlFreeDoc)(__VA_ARGS__)
#define xmlFreeParserCtxt(...) LAZY(lazy_xml2, xmlFreeParserCtxt)(__VA_ARGS__)
#define xmlGetLineNo(...) LAZY(lazy_xml2, xmlGetLineNo)(__VA_ARGS__)
#define xmlGetProp(...) LAZY(lazy_xml2, xmlGetProp)(__VA_ARGS__)
#define xmlInitParser(...) LAZY(lazy_xml2, xmlInitParser)(__VA_ARGS__)
#define xmlNewParserCtxt(...) LAZY(lazy_xml2, xmlNewParserCtxt)(__VA_ARGS__)
#define xmlNodeGetContent(...) LAZY(lazy_xml2, xmlNodeGetContent)(__VA_ARGS__)
#define xmlSetGenericErrorFunc(...) LAZY(lazy_xml2, xmlSetGenericErrorFunc)(__VA_ARGS__)
#define xmlSetStructuredErrorFunc(...) LAZY(lazy_xml2, xmlSetStructuredErrorFunc)(__VA_ARGS__)

/* xmlInitParser(), once per process whichever thread comes first (lazy_once.c). */
void lazy_xml_init(void);

#endif
