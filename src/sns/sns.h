/*
 * sns.h - SNS precursor monitoring: posts from X, Telegram, leak-site trackers and DDoSia
 * target lists are read from files (collectors stay outside the core), normalised, stored once
 * (platform + id, edits as versions), matched against every operator's watch terms at once
 * (Hyperscan), classified by table-driven rules (ddos-target, leak, outage, exploit) and
 * turned into one precursor alert per (operator, class, wave). See docs/SNS.md.
 */
#ifndef MAMORI_SNS_H
#define MAMORI_SNS_H

#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

/* ------------------------------------------------------------ normalisation (norm.c) */

/*
 * The matching key of a text: NFKC + case fold (utf8proc), katakana -> hiragana, small kana
 * -> full size, long-vowel marks and wave dashes after kana dropped, ヴ -> ぶ, common itaiji
 * (髙 -> 高, 﨑 -> 崎 ...), Unicode dashes -> '-', white space between two non-ASCII
 * characters dropped and other runs of white space made one space. Invalid UTF-8 bytes
 * become U+FFFD. Appends to out; 0, M_ENOMEM or M_ETOOBIG.
 */
int sns_norm(const char *s, size_t len, struct buf *out);

/* The bytes of s that code points [start, end) cover (X entity offsets). *off and *n receive
 * the byte range; false when the range is outside s. */
bool sns_slice_cp(const char *s, size_t len, long start, long end, size_t *off, size_t *n);
/* The bytes of s that UTF-16 code units [off16, off16 + len16) cover (Telegram offsets). */
bool sns_slice_utf16(const char *s, size_t len, long off16, long len16, size_t *off, size_t *n);
/* Decodes the HTML entities X leaves in text (&amp; &lt; &gt; &quot; &#39; &#NNN; &#xHH;)
 * in place; returns the new length. */
size_t sns_html_decode(char *s, size_t len);
/* 64-bit SimHash over character 3-grams of a normalised text (URLs and @mentions dropped). */
uint64_t sns_simhash(const char *norm, size_t len);

/* ------------------------------------------------------------ posts and formats (parse.c) */

enum sns_format {
	SNS_FMT_AUTO,
	SNS_FMT_X,	  /* X API v2 search pages (data[], includes, meta) */
	SNS_FMT_XSTREAM,  /* X filtered stream: {"data":{...},"includes":...} a line */
	SNS_FMT_TGBOT,	  /* Telegram Bot API updates (lines, array or getUpdates reply) */
	SNS_FMT_TELETHON, /* Telethon Message.to_dict() (lines or array) */
	SNS_FMT_TGEXPORT, /* Telegram Desktop result.json */
	SNS_FMT_DDOSIA,	  /* DDoSia target-list snapshots, one a line */
	SNS_FMT_RANSOMWATCH,
	SNS_FMT_JSONL, /* mamori's normalised JSON lines (docs/SNS.md) */
};
/* "auto", "x", ... ; NULL for an unknown value. */
const char *sns_format_name(enum sns_format f);
int sns_format_parse(const char *name, enum sns_format *out);

struct sns_strv {
	char **v;
	size_t n, cap;
};

/* One normalised post. Every string is owned (sns_post_clear frees them); NULL: absent. */
struct sns_post {
	char *source;	/* the format (or the collector named in a jsonl record) */
	char *platform; /* x, telegram, ddosia, leak-site, or as a jsonl record says */
	char *post_id;	/* stable id of the post (X: the first id of its edit history) */
	char *version;	/* "" for the original; X: the edited post's id; Telegram: edit time */
	char *channel_id, *channel_name, *author_id, *author_name;
	int64_t created_at; /* Unix s UTC */
	char *text, *lang, *url;
	struct sns_strv urls, hostnames, mentions, hashtags;
	char *forwarded_from, *reply_to, *edit_of;
	char raw_sha256[65];
};
void sns_post_clear(struct sns_post *p);

/* Header values of the file a record came from (Telegram export's chat name and id). */
struct sns_parse_ctx {
	enum sns_format fmt;
	const char *chat_name, *chat_id;
	const char *file; /* for errors */
	long line;
	long long offset;
};

/* Called for every post a record yields; non-zero stops and is returned. */
typedef int (*sns_post_fn)(struct sns_post *p, void *arg);

/*
 * Parses one record (a JSON text) of format ctx->fmt (not AUTO) and calls fn for each post
 * in it. rec is modified (Telegram export \xNN repair). Returns 0, or M_EPARSE / M_ETOOBIG /
 * M_ENOMEM with "FILE:LINE: field: message" in e; fn is not called for a record that fails.
 * Pure: no store, fuzzed.
 */
int sns_parse_record(const struct sns_parse_ctx *ctx, char *rec, size_t len, sns_post_fn fn,
		     void *arg, struct merr *e);
/* Guesses the format from the first bytes of a file; SNS_FMT_AUTO when unsure. */
enum sns_format sns_sniff(const char *p, size_t len);

/* ------------------------------------------------------------ watch terms and matching */

enum sns_kind {
	SNS_K_NAME,
	SNS_K_ALIAS,
	SNS_K_DOMAIN,
	SNS_K_ADDRESS,
	SNS_K_PRODUCT,
	SNS_K_KEYWORD,
	SNS_K_REGEX
};
const char *sns_kind_name(enum sns_kind k);
int sns_kind_parse(const char *s, enum sns_kind *out);

struct sns_term {
	char *org;  /* slug */
	char *term; /* as given */
	char *norm; /* the matching key (sns_norm) */
	enum sns_kind kind;
	bool from_inventory;
	int64_t id; /* sns_watch row, 0 for an inventory term */
};

struct sns_terms {
	struct sns_term *v;
	size_t n, cap;
};
void sns_terms_free(struct sns_terms *t);
/* Adds a term (normalised here). Terms whose key is too short to mean anything (fewer than
 * 2 characters, or 3 for ASCII names) are skipped with 0. */
int sns_terms_add(struct sns_terms *t, const char *org, const char *term, enum sns_kind kind,
		  bool from_inventory, int64_t id);

/* Checks an analyst's regex: at most 256 bytes, compiles in Hyperscan (no back-references,
 * no look-around), never matches the empty string, no repeat bound above 1000. */
int sns_regex_check(const char *re, struct merr *e);

struct sns_matcher;
/* Compiles every term into one Hyperscan literal database (and one for regexes). */
int sns_matcher_build(const struct sns_terms *t, struct sns_matcher **out, struct merr *e);
void sns_matcher_free(struct sns_matcher *m);
/* Scratch space for one thread. */
struct sns_scratch;
int sns_scratch_new(const struct sns_matcher *m, struct sns_scratch **out, struct merr *e);
void sns_scratch_free(struct sns_scratch *s);

/* A match: the term index in the sns_terms the matcher was built from. */
typedef int (*sns_match_fn)(size_t term, void *arg);
/* Scans a normalised buffer; fn once per distinct matching term (domain and address terms
 * only on label / token boundaries, names in ASCII on word boundaries). */
int sns_match(const struct sns_matcher *m, struct sns_scratch *sc, const char *norm, size_t len,
	      sns_match_fn fn, void *arg);
/* Raw Hyperscan pass (no boundary checks, no callbacks kept): the benchmark's matching stage. */
int sns_match_raw(const struct sns_matcher *m, struct sns_scratch *sc, const char *p, size_t len,
		  long *hits);

/* Watch terms of every operator: the inventory's (names ja/en, aliases, domains, hostnames,
 * addresses, declared products) as the store holds it now, plus the analysts' sns_watch rows.
 * org NULL: all operators. */
int sns_terms_load(struct store *s, const char *org, struct sns_terms *out, struct merr *e);
int sns_watch_add(struct store *s, const char *org, const char *term, enum sns_kind kind,
		  const char *by, int64_t now, int64_t *id, struct merr *e);
int sns_watch_remove(struct store *s, int64_t id, struct merr *e);

/* ------------------------------------------------------------ classes and rules */

enum sns_class { SNS_C_DDOS, SNS_C_LEAK, SNS_C_OUTAGE, SNS_C_EXPLOIT, SNS_C_N };
const char *sns_class_name(enum sns_class c);
/* What a detection rule ("outage-burst", "ddos-announcement" …) found, in words for readers:
 * Japanese or English (en); an unknown rule as it is. */
const char *sns_rule_label(const char *rule, bool en);
int sns_class_parse(const char *s, enum sns_class *out);

/* ------------------------------------------------------------ import and detection */

struct sns_import_opts {
	enum sns_format fmt;
	int64_t now;
	const char *ack_base; /* console base URL for alert ack links, or NULL */
	bool no_detect;	      /* store and match only */
	/* scan only: nothing is stored; on_hit gets every (post, org, term) match */
	bool scan_only;
	int (*on_hit)(const struct sns_post *p, const struct sns_term *t, void *arg);
	void *arg;
	/* bench: the normalised texts are kept in *bench_buf (one per line) */
	struct buf *bench_buf;
};

struct sns_import_stats {
	long records, posts, stored, duplicates, versions, errors, matched;
	long alerts_new, alerts_updated;
	long rematched;	     /* stored posts newly matched because the watch terms changed */
	long long bytes;     /* text bytes normalised */
	enum sns_format fmt; /* the format used (after auto) */
};

/*
 * Imports path ("-" reads standard input) in one pass with flat memory: each record parsed,
 * its posts stored (dedupe by platform + post id + version) and matched, in one savepoint per
 * record: a bad record is rolled back whole, the good ones of the same file are kept. Then
 * the detector runs over the posts matched in this import, in time order. Before that, when
 * the watch terms (inventory or analysts') changed since the stored posts were last matched
 * (a fingerprint in sns_state), the stored posts are re-matched first (sns_rematch;
 * st->rematched). Returns 0, or the
 * first record error (file, line, offset, field in e) when some records failed.
 */
int sns_import_file(struct store *s, const char *path, const struct sns_import_opts *o,
		    struct sns_import_stats *st, struct merr *e);

/* The matching stage alone over a buffer of normalised texts (one a line) with every
 * operator's terms, for bench/sns_eval.sh: *secs scanning blocks of posts of about 1 MiB,
 * *secs_post one post at a time; *hits the raw hits of the block pass. */
int sns_bench_match(struct store *s, const struct buf *texts, int rounds, double *secs,
		    double *secs_post, long *hits, size_t *n_terms, struct merr *e);

/* Matches every stored post again with the watch terms as the inventory and the analysts'
 * list are now (after an inventory change or `watch add`); only (post, operator) pairs not
 * matched before are recorded and run through the detector. */
int sns_rematch(struct store *s, const struct sns_import_opts *o, struct sns_import_stats *st,
		struct merr *e);

/* ------------------------------------------------------------ alerts and posts (read) */

struct sns_alert_row {
	int64_t id;
	const char *org, *cls, *rule, *state, *reasons; /* reasons: JSON */
	double score;
	int64_t first_at, last_at, created_at, alert_id;
	int64_t incident_id;  /* the incident it was escalated to, 0: none */
	const char *post_ids; /* JSON array of "platform:post_id" */
	long n_posts;
};
typedef int (*sns_alert_fn)(const struct sns_alert_row *r, void *arg);
struct sns_alert_filter {
	const char *org;
	const char *cls;
	const char *const *orgs; /* the caller's orgs (operators), NULL: all */
	size_t n_orgs;
	int64_t id; /* one alert, 0: all */
	long limit;
};
int sns_alerts_list(struct store *s, const struct sns_alert_filter *f, sns_alert_fn fn, void *arg,
		    struct merr *e);
/* confirmed | dismissed | new, with who and a note. M_ENOTFOUND, M_EINVAL ("escalated" is
 * sns_alert_escalate's: an escalation opens an incident). */
int sns_alert_set_state(struct store *s, int64_t id, const char *state, const char *by,
			const char *note, int64_t now, struct merr *e);

/*
 * Escalates alert id to an incident (src/sns/escalate.c): files a 初報 for the alert's operator
 * through the incident module (inc_report_parse + inc_file, c->actor the analyst, c->regimes
 * the reporting clocks) whose title and summary come from the alert's class, rule, score and
 * evidence posts (the first 5, oldest first, JST, and how many more), with a timeline event
 * naming "sns_alert:ID" and the console link (console: base URL or NULL); the alert becomes
 * 'escalated' and records the incident id. One transaction. *incident gets the incident id;
 * an alert escalated before gives its incident again (no second one). M_ENOTFOUND.
 */
struct inc_ctx;
int sns_alert_escalate(const struct inc_ctx *c, int64_t id, const char *note, const char *console,
		       int64_t *incident, struct merr *e);

struct sns_post_row {
	int64_t id;
	const char *platform, *post_id, *version, *channel, *author, *text, *url, *orgs, *classes;
	int64_t created_at;
};
typedef int (*sns_post_row_fn)(const struct sns_post_row *r, void *arg);
/* Matched posts (newest first); org NULL: every operator. alert_id: only that alert's. */
int sns_posts_list(struct store *s, const char *org, int64_t alert_id, long limit,
		   sns_post_row_fn fn, void *arg, struct merr *e);

struct sns_watch_row {
	int64_t id;
	const char *org, *term, *kind, *source;
};
typedef int (*sns_watch_fn)(const struct sns_watch_row *r, void *arg);
/* The watch list of org (NULL: all): inventory terms (id 0) and analysts' rows. */
int sns_watch_list(struct store *s, const char *org, sns_watch_fn fn, void *arg, struct merr *e);

/* Matched posts per hour for org between from and to (timeline chart); fn(hour_start, count,
 * complaint count). */
typedef int (*sns_bin_fn)(int64_t t, long n, long complaints, void *arg);
int sns_timeline(struct store *s, const char *org, int64_t from, int64_t to, int64_t bin_s,
		 sns_bin_fn fn, void *arg, struct merr *e);

/* Outage burst parameters (docs/SNS.md#outage). */
#define SNS_OUTAGE_WINDOW_S 600 /* sliding window */
#define SNS_OUTAGE_MIN_POSTS 5	/* at least this many complaints in the window */
#define SNS_OUTAGE_P 1e-6 /* Poisson upper tail below this fires (every complaint is a test) */
#define SNS_OUTAGE_FLOOR_PER_H 0.5	  /* baseline rate never below this (posts / hour) */
#define SNS_OUTAGE_WEEKS 4		  /* hour-of-week baseline over this many past weeks */
#define SNS_OUTAGE_WARMUP_S 86400	  /* no test before the operator was watched this long */
#define SNS_OUTAGE_WAVE_MAX_S (12 * 3600) /* complaints that do not fire extend a wave this long */
#define SNS_WAVE_GAP_DDOS (7 * 86400)
/* Two posts are copies of one message at this Hamming distance of their SimHash or less:
 * short posts differ in few 3-grams, so more bits flip than the 3 of web-page studies
 * (one added "!" in a 25-character post: 8 bits; unrelated posts: about 32). */
#define SNS_SIMHASH_NEAR 10
#define SNS_WAVE_GAP_LEAK (7 * 86400)
#define SNS_WAVE_GAP_EXPLOIT (3 * 86400)
#define SNS_WAVE_GAP_OUTAGE (2 * 3600)

/* Poisson P(X >= k) for mean lambda. */
double sns_poisson_tail(long k, double lambda);

#endif
