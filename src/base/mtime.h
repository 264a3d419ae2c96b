/*
 * mtime.h - time helpers. mamori stores UTC (Unix seconds, ISO 8601 with Z)
 * and shows JST (UTC+9, no daylight saving).
 */
#ifndef MAMORI_MTIME_H
#define MAMORI_MTIME_H

#include "base/compat.h"

#include <time.h>

#define JST_OFFSET_SECONDS (9 * 3600)
#define TIME_STR_MAX 40

/* Seconds since the epoch, UTC. Honours $MAMORI_NOW (ISO 8601) so tests and
 * demos can pin "now". */
int64_t time_now(void);

/* "2026-11-23T03:40:47Z" */
void time_fmt_utc(int64_t t, char out[TIME_STR_MAX]);
/* Days since 1970-01-01 to year, month (1-12), day; false outside years 0-9999. */
bool time_civil(int64_t days, int *year, int *month, int *day);
/* "2026-11-23 12:40 JST" */
void time_fmt_jst(int64_t t, char out[TIME_STR_MAX]);
/* "2026-11-23" as a JST calendar date */
void time_fmt_jst_date(int64_t t, char out[TIME_STR_MAX]);

/* A countdown for a reader: secs left before a deadline (negative: past it). Japanese
 * 「残り 3時間20分」, 「残り 20分」, 「141時間超過」, 「20分超過」; English "3 h 20 min left",
 * "20 min left", "141 h overdue", "20 min overdue". */
void time_fmt_left(int64_t secs, bool en, char *out, size_t cap);

/*
 * Parses ISO 8601: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by
 * "Z", "+HH:MM", "+HHMM" or nothing (taken as UTC); a space may replace 'T'.
 * A date alone is midnight UTC. Returns 0 or M_EPARSE.
 */
int time_parse(const char *s, int64_t *out);

/* Quarter label of t in JST: "2026Q4"; period bounds [start, end) in UTC. */
void time_quarter(int64_t t, char out[16]);
int time_quarter_bounds(const char *label, int64_t *start, int64_t *end);
/* The quarter before label ("2026Q1" -> "2025Q4"). Returns 0 or M_EPARSE. */
int time_quarter_prev(const char *label, char out[16]);

#endif
