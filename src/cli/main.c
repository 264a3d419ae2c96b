/*
 * main.c - `mamori [global options] <command> [options]`: parses the global
 * options, finds the command in the table, runs it, maps its result to an exit status.
 */
#include "base/compat.h"

#include <getopt.h>

#include "base/log.h"
#include "cli/commands.h"

static const char global_usage[] =
    "usage: mamori [--db PATH] [--data-dir DIR] [--json] [-q] [-v|--log-level L] <command> "
    "[options]\n"
    "\n"
    "Global options:\n"
    "  --db PATH         store location (default $MAMORI_DB or ./mamori.db)\n"
    "  --data-dir DIR    shared feeds and fingerprints (default $MAMORI_DATA_DIR)\n"
    "  --json            machine-readable output where a command lists things\n"
    "  -q, --quiet       print only errors\n"
    "  -v                more log output (repeat for debug)\n"
    "  --log-level L     debug, info, warn, error, off\n";

static void print_commands(FILE *out)
{
	fputs(global_usage, out);
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
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"data-dir", required_argument, NULL, 'D'},
	    {"json", no_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"log-level", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	struct cli c = {0};
	const struct cli_command *cmd;
	int opt, verbose = 0, rc;

	c.db = getenv("MAMORI_DB");
	if (!c.db || !*c.db)
		c.db = STORE_DEFAULT_PATH;
	c.data_dir = getenv("MAMORI_DATA_DIR");
	if (!c.data_dir || !*c.data_dir)
		c.data_dir = MAMORI_DEFAULT_DATA_DIR;

	/* '+': stop at the command name; its options are its own. */
	while ((opt = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': c.db = optarg; break;
		case 'D': c.data_dir = optarg; break;
		case 'j': c.json = true; break;
		case 'q':
			c.quiet = true;
			log_set_level(LOG_LEVEL_ERROR);
			break;
		case 'v': verbose++; break;
		case 'L':
			if (log_parse_level(optarg) < 0) {
				fprintf(stderr, "mamori: unknown log level '%s'\n", optarg);
				return cli_exit_code(M_EINVAL);
			}
			log_set_level((enum log_level)log_parse_level(optarg));
			break;
		case 'h': print_commands(stdout); return 0;
		case 'V': printf("mamori %s\n", MAMORI_VERSION); return 0;
		default: print_commands(stderr); return cli_exit_code(M_EINVAL);
		}
	}
	if (verbose)
		log_set_level(verbose > 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (optind >= argc) {
		print_commands(stderr);
		return cli_exit_code(M_EINVAL);
	}
	cmd = cli_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "mamori: '%s' is not a mamori command (see 'mamori help')\n",
			argv[optind]);
		return cli_exit_code(M_EINVAL);
	}
	c.cmd_name = cmd->name;
	argc -= optind;
	argv += optind;
	optind = 0; /* GNU getopt: re-initialise for the command's own parsing */
	if (cli_help_requested(argc, argv)) {
		cli_print_usage(cmd, stdout);
		return 0;
	}
	rc = cmd->run(&c, argc, argv);
	store_close(c.store);
	fflush(stdout);
	return rc;
}
