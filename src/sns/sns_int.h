/* sns_int.h - what the files of src/sns share: the rule table and the lexicon scan. */
#ifndef MAMORI_SNS_INT_H
#define MAMORI_SNS_INT_H

#include "base/compat.h"

#include <hs.h>

#include "sns/sns.h"

struct sns_rule {
	enum sns_class cls;
	const char *id;
	const char *pattern;
	bool literal; /* text (normalised, escaped) rather than a regex */
	double weight;
	const char *reason; /* Japanese / English */
};
extern const struct sns_rule sns_rules[];
extern const size_t sns_n_rules;

/* A negation of one complaint rule (rules.c, docs/SNS.md#negation). */
struct sns_negation {
	const char *rule;	     /* the outage rule it negates */
	bool before;		     /* the pattern precedes the complaint (English) */
	const char *const *patterns; /* NULL-terminated */
	const char *reason;	     /* Japanese / English */
};
extern const struct sns_negation sns_negations[];
extern const size_t sns_n_negations;

struct sns_lex_hits {
	unsigned classes; /* 1 << enum sns_class */
	unsigned short rule[32];
	size_t n;
	unsigned short negated[8]; /* complaint rules whose every hit was negated... */
	size_t n_negated;	   /* ...or some: a rule also in rule[] counts */
};
int sns_lex_scratch(hs_scratch_t **sc);
int sns_lex_scan(hs_scratch_t *sc, const char *norm, size_t len, struct sns_lex_hits *h);

/* Runs the detector over the matches recorded by one run (sns_matches.run), in time order. */
int sns_detect(struct store *s, int64_t run, const struct sns_import_opts *o,
	       struct sns_import_stats *st, struct merr *e);

/* Class titles: "DDoS攻撃の標的" / "DDoS target" (static strings). */
const char *sns_class_title_ja(enum sns_class c);
const char *sns_class_title_en(enum sns_class c);
/* Appends s as one line of at most max bytes (controls and newlines made spaces, cut on a
 * character boundary with "…"). */
int sns_text_line(struct buf *out, const char *s, size_t max);
/* Appends the evidence posts of an alert, oldest first: at most max lines "INDENT- JST
 * platform:id author: text <url>", then "INDENT他 M 件 / and M more" when there are more.
 * *shown (may be NULL) gets the lines written, *total (may be NULL) every evidence post. */
int sns_evidence_text(struct store *s, int64_t alert, long max, const char *indent, struct buf *out,
		      long *shown, long *total, struct merr *e);
/* How many evidence posts an alert mail and an escalated incident list (the rest counted). */
#define SNS_MAIL_EVIDENCE 10

/* Entity confidence of a term kind (docs/SNS.md#scoring). */
double sns_kind_conf(const char *kind);

#endif
