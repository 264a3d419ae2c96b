/*
 * web/microhttpd_lazy.h - libmicrohttpd, loaded on first use by web/server.c (when mamori serve starts).
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_WEB_MICROHTTPD_LAZY_H
#define MAMORI_WEB_MICROHTTPD_LAZY_H

#include <microhttpd.h>

#include "base/lazy.h"

#define MHD_add_response_header(...) LAZY(lazy_microhttpd, MHD_add_response_header)(__VA_ARGS__)
#define MHD_create_response_from_buffer(...) \
	LAZY(lazy_microhttpd, MHD_create_response_from_buffer)(__VA_ARGS__)
#define MHD_create_response_from_buffer_with_free_callback_cls(...) \
	LAZY(lazy_microhttpd, MHD_create_response_from_buffer_with_free_callback_cls)(__VA_ARGS__)
#define MHD_create_response_from_callback(...) \
	LAZY(lazy_microhttpd, MHD_create_response_from_callback)(__VA_ARGS__)
#define MHD_destroy_response(...) LAZY(lazy_microhttpd, MHD_destroy_response)(__VA_ARGS__)
#define MHD_get_connection_info(...) LAZY(lazy_microhttpd, MHD_get_connection_info)(__VA_ARGS__)
#define MHD_get_connection_values(...) LAZY(lazy_microhttpd, MHD_get_connection_values)(__VA_ARGS__)
#define MHD_get_daemon_info(...) LAZY(lazy_microhttpd, MHD_get_daemon_info)(__VA_ARGS__)
#define MHD_is_feature_supported(...) LAZY(lazy_microhttpd, MHD_is_feature_supported)(__VA_ARGS__)
#define MHD_lookup_connection_value(...) \
	LAZY(lazy_microhttpd, MHD_lookup_connection_value)(__VA_ARGS__)
#define MHD_queue_response(...) LAZY(lazy_microhttpd, MHD_queue_response)(__VA_ARGS__)
#define MHD_start_daemon(...) LAZY(lazy_microhttpd, MHD_start_daemon)(__VA_ARGS__)
#define MHD_stop_daemon(...) LAZY(lazy_microhttpd, MHD_stop_daemon)(__VA_ARGS__)

#endif
