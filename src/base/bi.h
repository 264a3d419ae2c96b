/* bi.h - stored bilingual texts "日本語 / English" (finding titles, notes) and the half a
 * page, a mail or a report in one language shows. */
#ifndef MAMORI_BASE_BI_H
#define MAMORI_BASE_BI_H

#include "base/compat.h"

/*
 * The Japanese (en false) or English half of text. The pair's separator is the first " / "
 * with Japanese before it and an ASCII character after it (a JVN title or a trailing note may
 * hold another " / "), else the last " / "; a text without one is returned as it is. The
 * English half keeps the English of a nested "(要確認 / needs confirmation)". The result is
 * text itself or buf (cap bytes); NULL text gives "".
 */
const char *bi_half(const char *text, bool en, char *buf, size_t cap);
/*
 * The half of a library message for one language. Library messages (struct merr) are written
 * "English / 日本語" (English first, like the CLI's help); stored texts "日本語 / English". This
 * takes either order: an all-ASCII text before the last " / " that has Japanese after it is the
 * English half; otherwise as bi_half. A text without Japanese is returned as it is.
 */
const char *bi_msg_half(const char *text, bool en, char *buf, size_t cap);
/* The ASCII words of text, space-separated, in buf ("Apache HTTP Server パストラバーサル" ->
 * "Apache HTTP Server"): what an English reader can use of a Japanese-only text. */
const char *bi_ascii_words(const char *text, char *buf, size_t cap);
/* True when s holds a byte >= 0x80 (Japanese, for our texts). */
bool bi_has_non_ascii(const char *s);

#endif
