/*
 * main.c - `mamori [global options] <command> [options]`: parses the global
 * options, finds the command in the table, runs it, maps its result to an exit status.
 */
#include "base/compat.h"

#include "base/log.h"
#include "cli/commands.h"
#include "cli/options.h"

/* The global options, before the command name. */
struct global_args {
	const char *db, *data_dir;
	bool json, quiet, help, version;
	int verbose, log_level; /* log_level: -1 when not given */
};

static int opt_log_level(void *args, const char *arg, const char **why)
{
	struct global_args *g = args;

	g->log_level = log_parse_level(arg);
	if (g->log_level < 0)
		return *why = "debug, info, warn, error, off のいずれかです / wants debug, info,"
			      " warn, error or off",
		       -1;
	return 0;
}

static const struct cli_opt global_opts[] = {
    OPT_STRING("db", struct global_args, db, "PATH",
	       "store location (default $MAMORI_DB or ./mamori.db) / ストア"),
    OPT_STRING("data-dir", struct global_args, data_dir, "DIR",
	       "shared feeds and fingerprints (default $MAMORI_DATA_DIR) / データ"),
    OPT_BOOL("json", struct global_args, json, "machine-readable output / JSON で出力"),
    OPT_BOOL_SHORT('q', "quiet", struct global_args, quiet, "print only errors / エラーのみ"),
    OPT_COUNT_SHORT('v', "verbose", struct global_args, verbose,
		    "more log output (repeat for debug) / 詳細ログ"),
    OPT_CALLBACK("log-level", opt_log_level, "L", "debug, info, warn, error, off / ログ"),
    OPT_BOOL_SHORT('h', "help", struct global_args, help, "this help / ヘルプ"),
    OPT_BOOL("version", struct global_args, version, "print the version / バージョン"),
    OPT_END(),
};

static void print_commands(FILE *out)
{
	cli_options_synopsis(out, "mamori", global_opts, "<command> [options]");
	fputs("\nGlobal options / 全体のオプション:\n", out);
	cli_options_help(out, global_opts);
	fputs("\nCommands / コマンド:\n", out);
	for (size_t i = 0; i < cli_commands_len; i++)
		fprintf(out, "  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\nRun 'mamori help <command>' for a command's options.\n", out);
}

const char cmd_help_usage[] = "usage: mamori help [command [subcommand]]\n";

int cmd_help(struct cli *c, int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		print_commands(stdout);
		return 0;
	}
	cmd = cli_find(argv[1]);
	if (!cmd)
		return cli_usage_error(c, "no such command '%s'", argv[1]);
	cli_print_usage(cmd, stdout);
	return 0;
}

const char cmd_version_usage[] = "usage: mamori version\n";

int cmd_version(struct cli *c, int argc, char **argv)
{
	printf("mamori %s\n", MAMORI_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	struct global_args g = {.log_level = -1};
	struct cli c = {0};
	const struct cli_command *cmd;
	int first, rc;

	g.db = getenv("MAMORI_DB");
	if (!g.db || !*g.db)
		g.db = STORE_DEFAULT_PATH;
	g.data_dir = getenv("MAMORI_DATA_DIR");
	if (!g.data_dir || !*g.data_dir)
		g.data_dir = MAMORI_DEFAULT_DATA_DIR;
	/* The options end at the command name; its options are its own. */
	if ((rc = cli_parse_leading(&c, global_opts, &g, argc, argv, &first)))
		return rc;
	c.db = g.db;
	c.data_dir = g.data_dir;
	c.json = g.json;
	c.quiet = g.quiet;
	if (g.quiet)
		log_set_level(LOG_LEVEL_ERROR);
	if (g.log_level >= 0)
		log_set_level((enum log_level)g.log_level);
	if (g.verbose)
		log_set_level(g.verbose > 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (g.help) {
		print_commands(stdout);
		return 0;
	}
	if (g.version) {
		printf("mamori %s\n", MAMORI_VERSION);
		return 0;
	}
	if (first >= argc) {
		print_commands(stderr);
		return cli_exit_code(M_EINVAL);
	}
	cmd = cli_find(argv[first]);
	if (!cmd) {
		fprintf(stderr,
			"mamori: '%s' は mamori のコマンドではありません / '%s' is not a mamori"
			" command (see 'mamori help')\n",
			argv[first], argv[first]);
		return cli_exit_code(M_EINVAL);
	}
	c.cmd_name = cmd->name;
	argc -= first;
	argv += first;
	if (cli_help_requested(argc, argv)) {
		cli_print_usage(cmd, stdout);
		return 0;
	}
	rc = cmd->run(&c, argc, argv);
	store_close(c.store);
	fflush(stdout);
	return rc;
}
