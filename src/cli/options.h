/*
 * options.h - a command's options as one declarative table (git's parse-options is the
 * model): each row names the option, where its value goes, its accepted range and its help
 * line. The parser, the range checks and the usage text all read the same rows, so an
 * option is written once.
 *
 * Values live in a struct of the verb's own (the row holds the field's offset), so tables
 * are static and `mamori CMD --help` can print them without running the verb:
 *
 *	struct import_args { const char *from; bool resume; size_t batch; };
 *	static const struct cli_opt import_opts[] = {
 *		OPT_STRING("from", struct import_args, from, "DIR", "import every feed under DIR"),
 *		OPT_BOOL("resume", struct import_args, resume, "continue a killed import"),
 *		OPT_SIZE("batch", struct import_args, batch, 1, 1000000, "N", "records per commit"),
 *		OPT_JSON(),
 *		OPT_END(),
 *	};
 *
 * Numbers are checked whole (no trailing text, no overflow) and against the row's range;
 * an unknown option, a missing argument, a malformed number or one out of range is a
 * usage error (exit 2) whose message names the option.
 */
#ifndef MAMORI_CLI_OPTIONS_H
#define MAMORI_CLI_OPTIONS_H

#include "base/compat.h"

#include <stddef.h>
#include <stdio.h>

struct cli;

enum cli_opt_type {
	CLI_OPT_END = 0,
	CLI_OPT_BOOL,	  /* bool, set true */
	CLI_OPT_JSON,	  /* sets the context's json flag */
	CLI_OPT_STRING,	  /* const char *, the argument itself (argv stays alive) */
	CLI_OPT_INT,	  /* int, range-checked */
	CLI_OPT_LONG,	  /* long, range-checked */
	CLI_OPT_UNSIGNED, /* unsigned, range-checked */
	CLI_OPT_SIZE,	  /* size_t, range-checked */
	CLI_OPT_LLONG,	  /* long long, range-checked */
	CLI_OPT_DOUBLE,	  /* double, range-checked, finite */
	CLI_OPT_CALLBACK, /* cb(args, argument): 0, or -1 with *why describing what is wanted */
	CLI_OPT_COUNT,	  /* int, one more each time given (-vv) */
};

struct cli_opt {
	enum cli_opt_type type;
	const char *name; /* long name without "--" */
	size_t off;	  /* of the value in the verb's argument struct */
	const char *argh; /* the argument's placeholder ("N", "DIR"); NULL for flags */
	const char *help; /* one line: English / 日本語 */
	long long imin, imax;
	double dmin, dmax;
	int (*cb)(void *args, const char *arg, const char **why);
	char short_name; /* a one-letter form for flags ('q' for -q), or 0 */
};

/* Compile-time check that T's field f has type ty (a wrong row is a build error). */
#define CLI_OPT_OFF(T, f, ty) \
	(offsetof(T, f) +     \
	 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->f), ty) ? 1 : -1]))

#define OPT_BOOL(n, T, f, h)                                                        \
	{                                                                           \
		CLI_OPT_BOOL, n, CLI_OPT_OFF(T, f, bool), NULL, h, 0, 0, 0, 0, NULL \
	}
#define OPT_JSON()                                                                          \
	{                                                                                   \
		CLI_OPT_JSON, "json", 0, NULL, "print JSON / JSON で出力", 0, 0, 0, 0, NULL \
	}
#define OPT_STRING(n, T, f, a, h)                                                          \
	{                                                                                  \
		CLI_OPT_STRING, n, CLI_OPT_OFF(T, f, const char *), a, h, 0, 0, 0, 0, NULL \
	}
#define OPT_INT(n, T, f, lo, hi, a, h)                                           \
	{                                                                        \
		CLI_OPT_INT, n, CLI_OPT_OFF(T, f, int), a, h, lo, hi, 0, 0, NULL \
	}
#define OPT_LONG(n, T, f, lo, hi, a, h)                                            \
	{                                                                          \
		CLI_OPT_LONG, n, CLI_OPT_OFF(T, f, long), a, h, lo, hi, 0, 0, NULL \
	}
#define OPT_UNSIGNED(n, T, f, lo, hi, a, h)                                                \
	{                                                                                  \
		CLI_OPT_UNSIGNED, n, CLI_OPT_OFF(T, f, unsigned), a, h, lo, hi, 0, 0, NULL \
	}
#define OPT_SIZE(n, T, f, lo, hi, a, h)                                              \
	{                                                                            \
		CLI_OPT_SIZE, n, CLI_OPT_OFF(T, f, size_t), a, h, lo, hi, 0, 0, NULL \
	}
#define OPT_LLONG(n, T, f, lo, hi, a, h)                                                 \
	{                                                                                \
		CLI_OPT_LLONG, n, CLI_OPT_OFF(T, f, long long), a, h, lo, hi, 0, 0, NULL \
	}
#define OPT_DOUBLE(n, T, f, lo, hi, a, h)                                              \
	{                                                                              \
		CLI_OPT_DOUBLE, n, CLI_OPT_OFF(T, f, double), a, h, 0, 0, lo, hi, NULL \
	}
#define OPT_CALLBACK(n, fn, a, h)                            \
	{                                                    \
		CLI_OPT_CALLBACK, n, 0, a, h, 0, 0, 0, 0, fn \
	}
/* A flag (bool) or a counter (int) that also has a one-letter form. */
#define OPT_BOOL_SHORT(s, n, T, f, h)                                                  \
	{                                                                              \
		CLI_OPT_BOOL, n, CLI_OPT_OFF(T, f, bool), NULL, h, 0, 0, 0, 0, NULL, s \
	}
#define OPT_COUNT_SHORT(s, n, T, f, h)                                                 \
	{                                                                              \
		CLI_OPT_COUNT, n, CLI_OPT_OFF(T, f, int), NULL, h, 0, 0, 0, 0, NULL, s \
	}
#define OPT_END()                                                  \
	{                                                          \
		CLI_OPT_END, NULL, 0, NULL, NULL, 0, 0, 0, 0, NULL \
	}

/*
 * Parses argv[1..argc) against opts into args (argv[0] is the command or verb). Options and
 * operands may mix, as with getopt_long ("--" ends the options; "--name=value" and
 * "--name value"; a unique prefix of a name is accepted). On return the operands are
 * argv[*operand..argc), in order. Returns 0, or the usage error's exit status (the message
 * printed, naming the option).
 */
int cli_parse_options(struct cli *c, const struct cli_opt *opts, void *args, int argc, char **argv,
		      int *operand);

/*
 * As cli_parse_options, but the options end at the first operand (nothing is permuted): for
 * `mamori [global options] COMMAND ...`, whose command's options are its own. Flags with a
 * short_name are also taken as -x, and grouped (-qv).
 */
int cli_parse_leading(struct cli *c, const struct cli_opt *opts, void *args, int argc, char **argv,
		      int *operand);

/* The table of a verb whose only option is --json (cli_json_only). */
extern const struct cli_opt cli_json_opts[];

/* "usage: PREFIX [--a] [--b N] ... OPERANDS", wrapped under itself at 80 columns. */
void cli_options_synopsis(FILE *out, const char *prefix, const struct cli_opt *opts,
			  const char *operands);
/* One line per option: "  --name ARG   help" with the range of a number. */
void cli_options_help(FILE *out, const struct cli_opt *opts);

/* Checked whole-string number parsing (base 10; for callers parsing operands): 0 or -1. */
int cli_parse_ll(const char *s, long long min, long long max, long long *out);
/* A row id operand: a whole number 1 to INT64_MAX, nothing else (0 or -1 as cli_parse_ll). */
int cli_parse_id(const char *s, int64_t *id);
int cli_parse_double(const char *s, double min, double max, double *out);

#endif
