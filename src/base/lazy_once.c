/*
 * lazy_once.c - the process-wide initialisations of the lazily opened libraries, each run
 * once through pthread_once whichever thread asks first (libcurl's global init is not
 * thread-safe, and libxml2 wants its parser initialised before threads use it).
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/curl_lazy.h"
#include "base/err.h"
#include "base/xml2_lazy.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_rc;

static void curl_init_once(void)
{
	curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : M_ENOMEM;
}

int lazy_curl_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
	return curl_rc;
}

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
	xmlInitParser();
}

void lazy_xml_init(void)
{
	pthread_once(&xml_once, xml_init_once);
}
