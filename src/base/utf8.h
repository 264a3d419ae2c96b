/* utf8.h - UTF-8 validation at the boundary where untrusted text enters. */
#ifndef MAMORI_UTF8_H
#define MAMORI_UTF8_H

#include "base/compat.h"

/* Returns true when p[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). On false, *bad_at (if given) is the
 * byte offset of the first invalid sequence. */
bool utf8_valid(const char *p, size_t len, size_t *bad_at);

/* 0 when the data file text buf[0..len) is well-formed UTF-8; else M_EPARSE "FILE:LINE:
 * encoding: not valid UTF-8 (byte offset N); save the file as UTF-8", LINE that of the first
 * invalid sequence (libyaml refuses bad UTF-8 too, but without the line). */
struct merr;
int utf8_check_file(const char *buf, size_t len, const char *file, struct merr *e);

/*
 * Copies in[0..len) to out (always NUL-terminated, cut at cap) as text safe for a terminal
 * or a log row: well-formed UTF-8 other than control characters is kept; each invalid
 * byte and each C0/DEL control (tab and newline too) becomes "\xNN". Returns out.
 */
char *utf8_escape(const char *in, size_t len, char *out, size_t cap);

/* Copies s into out (cap bytes, always terminated) with every byte that is not part of a
 * well-formed UTF-8 sequence, and every control character but newline and tab, written as
 * \xNN: binary banners (a MySQL handshake) read as text, never as U+FFFD. Returns out. */
char *utf8_escape_binary(const char *s, char *out, size_t cap);

#endif
