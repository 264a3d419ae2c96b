/*
 * cli.h - what every command file in src/cli/ shares: the context built from
 * global options, the command table entry, and error reporting that maps
 * library codes to exit statuses (exitcodes.c).
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include "base/compat.h"
#include "base/err.h"
#include "store/store.h"

struct cli {
	const char *db;	      /* --db, $MAMORI_DB, or STORE_DEFAULT_PATH */
	const char *data_dir; /* --data-dir, $MAMORI_DATA_DIR, or the build default */
	bool json;	      /* --json given (globally or to the command) */
	bool quiet;
	struct store *store;  /* opened on first cli_store() */
	const char *cmd_name; /* for messages: "inventory import" */
};

struct cli_verb;

struct cli_command {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *summary; /* one line, English; Japanese follows after " / " */
	const char *usage;   /* full help text (for a command with option tables: the prose;
			      * the synopsis and option lines are generated from the tables) */
	const struct cli_verb *verbs; /* optional, ends with a NULL run: their option tables */
};

/* The table in commands.c. */
extern const struct cli_command cli_commands[];
extern const size_t cli_commands_len;
const struct cli_command *cli_find(const char *name);

/* Opens the existing store on first use (store_open_existing: only `init` creates or
 * migrates); prints the error and returns NULL on failure. */
struct store *cli_store(struct cli *c);
/* As cli_store, then store_check (PRAGMA quick_check): for commands that write much
 * (imports); a damaged store is refused with how to recover. */
struct store *cli_store_checked(struct cli *c);

/* The actor a command records in audit rows and events: $MAMORI_ACTOR, else "cli:UID". */
void cli_actor(char *out, size_t cap);

/* Maps a library error code to the process exit status (exitcodes.c). */
int cli_exit_code(int code);
/* Prints "mamori: <cmd>: <formatted error>" to stderr and returns the exit status. */
int cli_fail(struct cli *c, int code, const struct merr *e);
/* Prints a usage error and returns the usage exit status. */
int cli_usage_error(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * True when argv has -h/--help before any "--": the command prints its usage.
 * Every command calls cli_help_requested() first.
 */
bool cli_help_requested(int argc, char **argv);
/* Parses argv for a command (or verb) whose only option is --json: 0, or the usage error's
 * exit status for anything else. Leaves optind at the first operand. */
int cli_json_only(struct cli *c, int argc, char **argv);
void cli_print_usage(const struct cli_command *cmd, FILE *out);

/* Subcommand dispatch for commands with verbs ("inventory import"). A command without
 * verbs that has an option table lists it as one verb named "". */
struct cli_opt;
struct cli_verb {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *summary;
	const struct cli_opt *opts; /* options.h; NULL while the verb parses by hand */
	const char *operands;	    /* for the synopsis: "[FILE...]" */
};
int cli_dispatch_verbs(struct cli *c, const struct cli_command *cmd, const struct cli_verb *verbs,
		       size_t n_verbs, int argc, char **argv);

/* Writes a cJSON value (takes ownership, frees it) to stdout, pretty-printed. */
struct cJSON;
int cli_print_json(struct cJSON *v);

#endif
