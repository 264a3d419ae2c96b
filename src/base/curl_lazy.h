/*
 * base/curl_lazy.h - libcurl, loaded on first use by alert/mail.c, alert/deliver.c and
 * feeds/feed_sync.c.
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_BASE_CURL_LAZY_H
#define MAMORI_BASE_CURL_LAZY_H

#ifdef MAMORI_CURL_TYPECHECK
/* The compile-only check target (CMakeLists.txt, mamori_curl_typecheck): curl's own
 * headers with typecheck-gcc.h, no lazy macros; never linked. */
#include <curl/curl.h>
#else
/* curl's typecheck-gcc.h defines curl_easy_setopt/getinfo as checking macros that call
 * the real functions by name (curl.h otherwise as three-argument pass-through macros),
 * which the lazy macros below must replace. The setopt argument types are still checked:
 * the same files are compiled once more with typecheck-gcc.h (MAMORI_CURL_TYPECHECK). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#undef curl_easy_setopt
#undef curl_easy_getinfo

#include "base/lazy.h"

#define curl_easy_cleanup(...) LAZY(lazy_curl, curl_easy_cleanup)(__VA_ARGS__)
#define curl_easy_getinfo(...) LAZY(lazy_curl, curl_easy_getinfo)(__VA_ARGS__)
#define curl_easy_init(...) LAZY(lazy_curl, curl_easy_init)(__VA_ARGS__)
#define curl_easy_perform(...) LAZY(lazy_curl, curl_easy_perform)(__VA_ARGS__)
#define curl_easy_setopt(...) LAZY(lazy_curl, curl_easy_setopt)(__VA_ARGS__)
#define curl_easy_strerror(...) LAZY(lazy_curl, curl_easy_strerror)(__VA_ARGS__)
#define curl_free(...) LAZY(lazy_curl, curl_free)(__VA_ARGS__)
#define curl_global_init(...) LAZY(lazy_curl, curl_global_init)(__VA_ARGS__)
#define curl_slist_append(...) LAZY(lazy_curl, curl_slist_append)(__VA_ARGS__)
#define curl_slist_free_all(...) LAZY(lazy_curl, curl_slist_free_all)(__VA_ARGS__)
#define curl_url(...) LAZY(lazy_curl, curl_url)(__VA_ARGS__)
#define curl_url_cleanup(...) LAZY(lazy_curl, curl_url_cleanup)(__VA_ARGS__)
#define curl_url_get(...) LAZY(lazy_curl, curl_url_get)(__VA_ARGS__)
#define curl_url_set(...) LAZY(lazy_curl, curl_url_set)(__VA_ARGS__)
#endif /* MAMORI_CURL_TYPECHECK */

/* curl_global_init(CURL_GLOBAL_DEFAULT), once per process whichever thread comes first
 * (lazy_once.c); 0 or M_ENOMEM. Call before the first curl_easy_init. */
int lazy_curl_global_init(void);

#endif
