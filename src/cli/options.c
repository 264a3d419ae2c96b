/* options.c - the declarative option table: parsing, checked numbers, usage text. */
#include "base/compat.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "cli/options.h"

int cli_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_id(const char *s, int64_t *id)
{
	long long v;

	if (cli_parse_ll(s, 1, INT64_MAX, &v))
		return -1;
	*id = (int64_t)v;
	return 0;
}

int cli_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The row named name (exact, else a unique prefix); NULL with *ambiguous set when two
 * rows share the prefix. */
static const struct cli_opt *find(const struct cli_opt *opts, const char *name, size_t n,
				  bool *ambiguous)
{
	const struct cli_opt *hit = NULL;

	*ambiguous = false;
	for (const struct cli_opt *o = opts; o->type != CLI_OPT_END; o++) {
		if (strncmp(o->name, name, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return o;
		if (hit)
			*ambiguous = true;
		hit = o;
	}
	return *ambiguous ? NULL : hit;
}

static bool is_number(enum cli_opt_type t)
{
	return t == CLI_OPT_INT || t == CLI_OPT_LONG || t == CLI_OPT_UNSIGNED ||
	       t == CLI_OPT_SIZE || t == CLI_OPT_LLONG;
}

/* Stores arg into the row's field; 0 or the usage error's exit status. */
static int store(struct cli *c, const struct cli_opt *o, void *args, const char *arg)
{
	char *p = (char *)args + o->off;
	const char *why = NULL;
	long long v;
	double d;

	switch (o->type) {
	case CLI_OPT_BOOL: *(bool *)p = true; return 0;
	case CLI_OPT_COUNT: (*(int *)p)++; return 0;
	case CLI_OPT_JSON: c->json = true; return 0;
	case CLI_OPT_STRING: *(const char **)p = arg; return 0;
	case CLI_OPT_DOUBLE:
		if (cli_parse_double(arg, -INFINITY, INFINITY, &d))
			return cli_usage_error(c,
					       "オプション '--%s': '%s' は数値ではありません / "
					       "option '--%s': '%s' is not a number",
					       o->name, arg, o->name, arg);
		if (d < o->dmin || d > o->dmax)
			return cli_usage_error(c,
					       "オプション '--%s': %s は範囲外です (%g-%g) / "
					       "option '--%s': %s is out of"
					       " range (%g-%g)",
					       o->name, arg, o->dmin, o->dmax, o->name, arg,
					       o->dmin, o->dmax);
		*(double *)p = d;
		return 0;
	case CLI_OPT_CALLBACK:
		if (o->cb(args, arg, &why))
			return cli_usage_error(c, "オプション '--%s': '%s': %s", o->name, arg,
					       why ? why : "受け付けられません / not accepted");
		return 0;
	default: break;
	}
	if (!is_number(o->type))
		return cli_usage_error(c, "オプション '--%s': 不明な種類 / unknown kind", o->name);
	if (cli_parse_ll(arg, LLONG_MIN, LLONG_MAX, &v))
		return cli_usage_error(
		    c,
		    "オプション '--%s': '%s' は整数ではありません / option '--%s': '%s' is not a"
		    " whole number",
		    o->name, arg, o->name, arg);
	if (v < o->imin || v > o->imax)
		return cli_usage_error(
		    c,
		    "オプション '--%s': %s は範囲外です (%lld-%lld) / option '--%s': %s is"
		    " out of range (%lld-%lld)",
		    o->name, arg, o->imin, o->imax, o->name, arg, o->imin, o->imax);
	switch (o->type) {
	case CLI_OPT_INT: *(int *)p = (int)v; break;
	case CLI_OPT_LONG: *(long *)p = (long)v; break;
	case CLI_OPT_UNSIGNED: *(unsigned *)p = (unsigned)v; break;
	case CLI_OPT_LLONG: *(long long *)p = v; break;
	default: *(size_t *)p = (size_t)v; break;
	}
	return 0;
}

static bool takes_arg(const struct cli_opt *o)
{
	return o->type != CLI_OPT_BOOL && o->type != CLI_OPT_JSON && o->type != CLI_OPT_COUNT;
}

/* One "--name[=value]" word at argv[*i]; advances *i past a separate value. */
static int one_option(struct cli *c, const struct cli_opt *opts, void *args, int argc, char **argv,
		      int *i)
{
	const char *word = argv[*i] + 2, *eq = strchr(word, '='), *arg = NULL;
	size_t n = eq ? (size_t)(eq - word) : strlen(word);
	const struct cli_opt *o;
	bool ambiguous;

	o = find(opts, word, n, &ambiguous);
	if (!o)
		return cli_usage_error(c, "%s '--%.*s' / %s option '--%.*s'",
				       ambiguous ? "曖昧なオプション" : "不明なオプション", (int)n,
				       word, ambiguous ? "ambiguous" : "unknown", (int)n, word);
	if (!takes_arg(o)) {
		if (eq)
			return cli_usage_error(
			    c,
			    "オプション '--%s' に引数は不要です / option '--%s' takes no argument",
			    o->name, o->name);
		return store(c, o, args, NULL);
	}
	if (eq)
		arg = eq + 1;
	else if (*i + 1 < argc)
		arg = argv[++*i];
	else
		return cli_usage_error(
		    c,
		    "オプション '--%s' に引数 (%s) が必要です / option '--%s' needs an"
		    " argument (%s)",
		    o->name, o->argh ? o->argh : "VALUE", o->name, o->argh ? o->argh : "VALUE");
	return store(c, o, args, arg);
}

int cli_parse_options(struct cli *c, const struct cli_opt *opts, void *args, int argc, char **argv,
		      int *operand)
{
	char **words = m_calloc((size_t)(argc > 0 ? argc : 1), sizeof(*words));
	char **ops = m_calloc((size_t)(argc > 0 ? argc : 1), sizeof(*ops));
	int n_words = 0, n_ops = 0, rc = 0, i;

	if (!words || !ops) {
		m_free(words);
		m_free(ops);
		return cli_exit_code(M_ENOMEM);
	}
	for (i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		int first = i;
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				ops[n_ops++] = argv[i];
			break;
		}
		if (strncmp(a, "--", 2) == 0) {
			rc = one_option(c, opts, args, argc, argv, &i);
			for (int k = first; k <= i && rc == 0; k++)
				words[n_words++] = argv[k];
		} else if (a[0] == '-' && a[1] != '\0') {
			rc =
			    cli_usage_error(c, "不明なオプション '%s' / unknown option '%s'", a, a);
		} else {
			ops[n_ops++] = argv[i];
		}
	}
	if (rc == 0) { /* options first, then the operands in their order (as getopt permutes) */
		memcpy(argv + 1, words, (size_t)n_words * sizeof(*argv));
		memcpy(argv + 1 + n_words, ops, (size_t)n_ops * sizeof(*argv));
		*operand = 1 + n_words;
	}
	m_free(words);
	m_free(ops);
	return rc;
}

/* "-qv": each letter a flag's short_name. */
static int short_flags(struct cli *c, const struct cli_opt *opts, void *args, const char *word)
{
	for (const char *p = word + 1; *p; p++) {
		const struct cli_opt *o = opts;
		while (o->type != CLI_OPT_END && (o->short_name != *p || takes_arg(o)))
			o++;
		if (o->type == CLI_OPT_END)
			return cli_usage_error(c, "不明なオプション '-%c' / unknown option '-%c'",
					       *p, *p);
		store(c, o, args, NULL);
	}
	return 0;
}

int cli_parse_leading(struct cli *c, const struct cli_opt *opts, void *args, int argc, char **argv,
		      int *operand)
{
	int i, rc = 0;

	for (i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strncmp(a, "--", 2) == 0)
			rc = one_option(c, opts, args, argc, argv, &i);
		else if (a[0] == '-' && a[1] != '\0')
			rc = short_flags(c, opts, args, a);
		else
			break;
	}
	*operand = i;
	return rc;
}

static void word_out(FILE *out, const char *w, size_t indent, size_t *col)
{
	size_t n = strlen(w);
	if (*col + 1 + n > 80 && *col > indent) {
		fprintf(out, "\n%*s", (int)indent, "");
		*col = indent;
	}
	fprintf(out, " %s", w);
	*col += 1 + n;
}

void cli_options_synopsis(FILE *out, const char *prefix, const struct cli_opt *opts,
			  const char *operands)
{
	size_t indent = strlen("usage: ") + strlen(prefix), col = indent;
	char w[128];

	fprintf(out, "usage: %s", prefix);
	for (const struct cli_opt *o = opts; o && o->type != CLI_OPT_END; o++) {
		if (takes_arg(o))
			snprintf(w, sizeof(w), "[--%s %s]", o->name, o->argh ? o->argh : "VALUE");
		else
			snprintf(w, sizeof(w), "[--%s]", o->name);
		word_out(out, w, indent, &col);
	}
	if (operands && *operands)
		word_out(out, operands, indent, &col);
	fputc('\n', out);
}

void cli_options_help(FILE *out, const struct cli_opt *opts)
{
	char left[96], range[96];

	for (const struct cli_opt *o = opts; o && o->type != CLI_OPT_END; o++) {
		if (takes_arg(o))
			snprintf(left, sizeof(left), "--%s %s", o->name,
				 o->argh ? o->argh : "VALUE");
		else if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->name);
		else
			snprintf(left, sizeof(left), "--%s", o->name);
		range[0] = '\0';
		if (is_number(o->type))
			snprintf(range, sizeof(range), " [%lld-%lld]", o->imin, o->imax);
		else if (o->type == CLI_OPT_DOUBLE)
			snprintf(range, sizeof(range), " [%g-%g]", o->dmin, o->dmax);
		if (strlen(left) > 22)
			fprintf(out, "  %s\n  %-22s %s%s\n", left, "", o->help ? o->help : "",
				range);
		else
			fprintf(out, "  %-22s %s%s\n", left, o->help ? o->help : "", range);
	}
}
