/*
 * checklist.h - the self-assessment checklist (自己点検チェックリスト): an item catalogue
 * shipped as data (data/checklist/catalogue-*.yaml, one file per version), answer sets per
 * organisation (drafts and submitted sets, kept for history), IPA-style scores per tier and
 * section, advice, answers checked against the organisation's open findings (要確認), the
 * sector comparison with k-anonymity, re-check reminders and the result sheet.
 * See docs/CHECKLIST.md.
 */
#ifndef MAMORI_CHECKLIST_H
#define MAMORI_CHECKLIST_H

#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

struct cJSON;

#define CL_FILE_MAX ((size_t)4 << 20) /* largest catalogue or answer file read */
#define CL_COMMENT_MAX 2000	      /* bytes of one answer's comment */
#define CL_TEXT_MAX 2048	      /* bytes of one catalogue text */
#define CL_K_MIN 5		      /* smallest group the sector comparison shows */
#define CL_ADVICE_MAX 10	      /* gaps listed as advice */

enum cl_tier { CL_BASIC = 0, CL_ADVANCED = 1 };

enum cl_answer { CL_UNANSWERED = 0, CL_DONE, CL_PARTIAL, CL_NOT_DONE, CL_UNKNOWN, CL_NA };

/* Size classes, as bits (the inventory's size_class). */
enum { CL_SIZE_LARGE = 1, CL_SIZE_MEDIUM = 2, CL_SIZE_SMALL = 4, CL_SIZE_ALL = 7 };

/* The inventory's business types (table business_types, migration 0100), in order. */
struct cl_btype {
	const char *code, *ja, *en;
};
const struct cl_btype *cl_btypes(size_t *n);
/* Index of code in cl_btypes(), or -1. */
int cl_btype_index(const char *code);
/* Bit of a size class name, 0 when unknown. */
unsigned cl_size_bit(const char *size);

/* ------------------------------------------------------------ catalogue */

struct cl_section {
	char *id, *ja, *en;
};

struct cl_item {
	char *id;
	size_t section; /* index into the catalogue's sections */
	enum cl_tier tier;
	uint32_t btypes; /* bit i: cl_btypes()[i] */
	unsigned sizes;	 /* CL_SIZE_* bits */
	int impact;	 /* 3 high, 2 medium, 1 low: what the item protects */
	char *text_ja, *text_en, *guide_ja, *guide_en;
	char **csf, **cpg, **evidence;
	size_t n_csf, n_cpg, n_evidence;
	long line;
};

struct cl_catalogue {
	char *version, *title_ja, *title_en, *file;
	struct cl_section *sec;
	size_t n_sec;
	struct cl_item *items;
	size_t n_items;
};

/* Parses and validates a catalogue (YAML): every field checked, ids unique, sections known,
 * references well-formed (CSF 2.0 subcategory ids, CPG 2.0 goal ids), evidence selectors
 * known. M_EPARSE with FILE:LINE: field in e. */
int cl_catalogue_parse(const char *buf, size_t len, const char *file, struct cl_catalogue **out,
		       struct merr *e);
int cl_catalogue_read(const char *path, struct cl_catalogue **out, struct merr *e);
void cl_catalogue_free(struct cl_catalogue *c);

/* The catalogue directory: $MAMORI_CHECKLIST_DIR, else the build default (data/checklist). */
const char *cl_catalogue_dir(void);
/* The catalogue of version (NULL: the newest) from dir (NULL: cl_catalogue_dir()), read once
 * per process and kept (thread-safe). M_ENOTFOUND naming the known versions. */
int cl_catalogue_get(const char *dir, const char *version, const struct cl_catalogue **out,
		     struct merr *e);
/* Versions in dir, newest first, comma-separated into out. */
int cl_catalogue_versions(const char *dir, char *out, size_t cap, struct merr *e);

/* Does the item apply to a business type and size (NULL: any)? */
bool cl_item_applies(const struct cl_item *it, const char *btype, const char *size);
const struct cl_item *cl_item_find(const struct cl_catalogue *c, const char *id);
/* Is s a CSF 2.0 subcategory id / a CPG 2.0 goal id / an evidence selector we know? */
bool cl_csf_ok(const char *s);
bool cl_cpg_ok(const char *s);
bool cl_evidence_ok(const char *s);

/* ------------------------------------------------------------ answers */

/* Answer from a file or form: 実施している 一部実施 未実施 わからない 該当しない, or
 * done partial not_done unknown na (and a few synonyms). M_EPARSE for anything else. */
int cl_answer_parse(const char *s, enum cl_answer *out);
const char *cl_answer_code(enum cl_answer a); /* "done" ... */
const char *cl_answer_ja(enum cl_answer a);   /* "実施している" ... */
const char *cl_answer_en(enum cl_answer a);   /* "done" ... */
/* IPA points: 4, 2, 0, -1; na and unanswered 0 (excluded from the maximum). */
int cl_answer_points(enum cl_answer a);

struct cl_answer_row {
	char *item;
	enum cl_answer answer;
	char *comment; /* NULL: none */
	long line;
};

struct cl_answers {
	char *version; /* catalogue version the answers were given against */
	char *org;     /* as the file names it (optional) */
	struct cl_answer_row *v;
	size_t n, cap;
};
void cl_answers_init(struct cl_answers *a);
void cl_answers_release(struct cl_answers *a);
/* Adds a row (strings copied). */
int cl_answers_add(struct cl_answers *a, const char *item, enum cl_answer ans, const char *comment,
		   long line);
const struct cl_answer_row *cl_answers_find(const struct cl_answers *a, const char *item);

/* Parses an answer file: CSV when the name ends in .csv or the text starts with the header
 * "catalogue,item,answer", else YAML. Duplicate items, bad values, oversized or invalid
 * comments, a 該当しない without a reason: M_EPARSE with FILE:LINE: field. */
int cl_answers_parse(const char *buf, size_t len, const char *file, struct cl_answers *out,
		     struct merr *e);
/* Checks answers against catalogue c for an organisation of btype/size: known item ids that
 * apply to it; with complete, every applicable item answered. */
int cl_answers_check(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, bool complete, struct merr *e);
/* Writes a in the file format (yaml or csv), so that it reads back identical. */
int cl_answers_write(const struct cl_answers *a, const struct cl_catalogue *c, const char *org,
		     bool csv, struct buf *out, struct merr *e);

/* ------------------------------------------------------------ scoring (pure) */

struct cl_part {
	int points, max;	   /* max: 4 x items counted (na excluded) */
	int n_items, n_done, n_na; /* applicable items, done, not applicable */
	double score;		   /* 0-100, -1 when nothing counted */
};

struct cl_score {
	struct cl_part total, tier[2];
	struct cl_part *section; /* c->n_sec entries */
	size_t n_section;
	bool basic_done; /* every applicable basic item done or na (and none 要確認) */
	int n_unanswered;
};
/* Scores a over the items of c applying to btype/size. Unanswered items count 0 of 4. */
int cl_score_compute(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, struct cl_score *out);
void cl_score_release(struct cl_score *s);
/* 0-100 from points over max (negative totals floor at 0); -1 when max is 0. */
double cl_normalise(int points, int max);

/* One catalogue item as JSON (id, section, tier, business_types, sizes, impact, text_ja,
 * text_en, guidance {ja, en}, references {csf, cpg}, evidence). */
struct cJSON *cl_item_json(const struct cl_catalogue *c, const struct cl_item *it);

/* An open finding as evidence. */
struct cl_finding {
	int64_t id;
	const char *issue_key, *kind, *title, *asset;
	bool kev;
	int64_t deadline; /* 0: none */
};
/* Does an evidence selector match a finding at now? risky:rdp (exact issue key), risky:* (prefix),
 * kev:overdue (KEV finding open past its deadline). */
bool cl_evidence_match(const char *selector, const struct cl_finding *f, int64_t now);

/* Adds to out: catalogue, total, tiers {basic, advanced}, sections[], basic_done (false when
 * a basic item is 要確認), contradictions[] (answered done while a matching finding is open:
 * item, findings[]), items[] (answer, comment, status ok|gap|要確認, evidence) and advice[]
 * (top CL_ADVICE_MAX gaps ranked by 要確認, tier, own evidence, impact; with guidance). */
int cl_evaluate_json(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, const struct cl_finding *f, size_t nf, int64_t now,
		     struct cJSON *out);

/* ------------------------------------------------------------ stored sets */

/* Saves answers of org (read from the inventory: business type and size) as its draft
 * (replacing the draft) or as a submitted set (complete answers required; the draft is
 * dropped). Everything is checked first and written in one transaction: nothing half-stored.
 * *set_id (may be NULL) receives the new set's id. */
int cl_save(struct store *s, const char *org, const struct cl_answers *a, bool submit,
	    const char *actor, int64_t now, int64_t *set_id, struct merr *e);
/* Submits org's draft (complete answers required). */
int cl_submit_draft(struct store *s, const char *org, const char *actor, int64_t now,
		    int64_t *set_id, struct merr *e);

struct cl_set {
	int64_t id;
	char org[128], version[32], state[16], btype[32], size[16], quarter[16];
	char actor[128];
	int64_t created_at, submitted_at;
	struct cl_answers a;
};
/* Loads a set of org: id > 0 that set; 0 the newest submitted; -1 the draft. M_ENOTFOUND. */
int cl_set_load(struct store *s, const char *org, int64_t id, struct cl_set *out, struct merr *e);
void cl_set_release(struct cl_set *st);

/* org's open findings as evidence (through the findings module's reader). */
struct cl_findings {
	struct cl_finding *v;
	size_t n;
	char **strs; /* owned copies */
	size_t n_strs;
};
int cl_findings_load(struct store *s, const char *org, struct cl_findings *out, struct merr *e);
void cl_findings_release(struct cl_findings *f);

/* The result of a set as JSON: scores per tier and section, basic_done, advice (top gaps,
 * each with guidance), contradictions (要確認 with their finding ids), every item's answer.
 * id as in cl_set_load. */
int cl_result_json(struct store *s, const char *org, int64_t id, int64_t now, struct cJSON **out,
		   struct merr *e);
/* History of org: every set (newest first) with scores, the trend per JST quarter, and the
 * diff between the two newest submitted sets. */
int cl_history_json(struct store *s, const char *org, struct cJSON **out, struct merr *e);
/* Items improved / worsened / changed from set a to set b of org. */
int cl_diff_json(struct store *s, const char *org, int64_t a, int64_t b, struct cJSON **out,
		 struct merr *e);
/* Export of a set (id as in cl_set_load) in the answer file format. */
int cl_export(struct store *s, const char *org, int64_t id, bool csv, struct buf *out,
	      struct merr *e);

/* ------------------------------------------------------------ sector comparison */

/* Per business type and size, over each operator's newest submitted set per JST quarter: the
 * distribution of total scores (deciles), mean per tier, per-item 実施率, and the same
 * quarter over quarter (the last 4). A group of fewer than CL_K_MIN operators is never
 * shown (counts neither), and a group is also withheld when the business type's total
 * would reveal it by subtraction. what: a sector code, a business type code or their
 * Japanese names; NULL: all. only_sector: the caller's sector (bureau users), NULL: any.
 * Cached per (what, only_sector, quarter) until a set is saved; while one caller computes
 * the new result the others get the previous one (a save does not make every reader
 * compute at once). */
int cl_sector_json(struct store *s, const char *what, const char *only_sector, int64_t now,
		   struct cJSON **out, struct merr *e);
/* The same, shared: *out stays valid (read-only) until cl_sector_put(*ref); no copy is made
 * (the bureau page and the API read the cached tree). */
struct cl_sector_ref;
int cl_sector_get(struct store *s, const char *what, const char *only_sector, int64_t now,
		  const struct cJSON **out, struct cl_sector_ref **ref, struct merr *e);
/* The comparison as compact JSON, printed once per cached result. */
const char *cl_sector_text(struct cl_sector_ref *ref, size_t *len);
void cl_sector_put(struct cl_sector_ref *ref);
/* What ref was computed for ("what|sector|quarter#generation"): a key for what a caller
 * derives from it (the console keeps rendered fragments under it). */
const char *cl_sector_ref_key(const struct cl_sector_ref *ref, char *out, size_t cap);
/* Drops the sector cache (a save in this process; tests). */
void cl_sector_cache_clear(void);

/* ------------------------------------------------------------ reminders */

/* For every organisation whose newest submitted set is older than interval seconds, queues a
 * re-check reminder through the alert pipeline (alert_insert; one per org and due quarter).
 * dry_run: creates nothing. *created counts reminders (would be) created; fn (may be NULL)
 * sees each org. */
int cl_remind(struct store *s, int64_t interval, int64_t now, bool dry_run,
	      void (*fn)(const char *org, int64_t last, void *arg), void *arg, long *created,
	      struct merr *e);

/* ------------------------------------------------------------ result sheet */

/* Writes DIR/checklist-<org>-<set>.html and .pdf (Japanese) with the score, flags, advice
 * and 要確認 items. base_out (may be NULL) receives the path without extension. */
int cl_sheet(struct store *s, const char *org, int64_t id, const char *dir, int64_t now,
	     char *base_out, size_t cap, struct merr *e);
/* The same in one language: en false is cl_sheet; en true writes an English-only sheet
 * (the catalogue's English half; what the operator typed stays as typed). */
int cl_sheet_lang(struct store *s, const char *org, int64_t id, const char *dir, int64_t now,
		  bool en, char *base_out, size_t cap, struct merr *e);
/* Writes DIR/checklist-sector-<what>.html and .pdf from cl_sector_json. */
int cl_sector_sheet(struct store *s, const char *what, const char *only_sector, const char *dir,
		    int64_t now, char *base_out, size_t cap, struct merr *e);

#endif
