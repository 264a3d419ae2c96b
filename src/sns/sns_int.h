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

struct sns_lex_hits {
	unsigned classes; /* 1 << enum sns_class */
	unsigned short rule[32];
	size_t n;
};
int sns_lex_scratch(hs_scratch_t **sc);
int sns_lex_scan(hs_scratch_t *sc, const char *norm, size_t len, struct sns_lex_hits *h);

/* Runs the detector over the matches recorded by one run (sns_matches.run), in time order. */
int sns_detect(struct store *s, int64_t run, const struct sns_import_opts *o,
	       struct sns_import_stats *st, struct merr *e);

/* Entity confidence of a term kind (docs/SNS.md#scoring). */
double sns_kind_conf(const char *kind);

#endif
