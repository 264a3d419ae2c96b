/*
 * feeds/archive_lazy.h - libarchive, loaded on first use by feeds/feed_sync_cve5.c (the cvelistV5
 * zip).
 *
 * Include this instead of the library's header. Every function the project calls is
 * listed below and resolved through lazy.h on first call; the library is not on the link
 * line any more, so a call to a function missing from this list fails at link time
 * ("undefined reference") - add it here. So does passing one of them as a value (a
 * callback): the function-like macros below only replace calls.
 */
#ifndef MAMORI_FEEDS_ARCHIVE_LAZY_H
#define MAMORI_FEEDS_ARCHIVE_LAZY_H

#include <archive.h>
#include <archive_entry.h>

#include "base/lazy.h"

#define archive_entry_filetype(...) LAZY(lazy_archive, archive_entry_filetype)(__VA_ARGS__)
#define archive_entry_pathname(...) LAZY(lazy_archive, archive_entry_pathname)(__VA_ARGS__)
#define archive_error_string(...) LAZY(lazy_archive, archive_error_string)(__VA_ARGS__)
#define archive_read_data(...) LAZY(lazy_archive, archive_read_data)(__VA_ARGS__)
#define archive_read_free(...) LAZY(lazy_archive, archive_read_free)(__VA_ARGS__)
#define archive_read_new(...) LAZY(lazy_archive, archive_read_new)(__VA_ARGS__)
#define archive_read_next_header(...) LAZY(lazy_archive, archive_read_next_header)(__VA_ARGS__)
#define archive_read_open(...) LAZY(lazy_archive, archive_read_open)(__VA_ARGS__)
#define archive_read_open_filename(...) LAZY(lazy_archive, archive_read_open_filename)(__VA_ARGS__)
#define archive_read_open_memory(...) LAZY(lazy_archive, archive_read_open_memory)(__VA_ARGS__)
#define archive_read_support_format_zip(...) \
	LAZY(lazy_archive, archive_read_support_format_zip)(__VA_ARGS__)
#define archive_read_support_format_zip_streamable(...) \
	LAZY(lazy_archive, archive_read_support_format_zip_streamable)(__VA_ARGS__)

#endif
