/* cli.c - shared helpers for command files: store, errors, help, verbs, JSON. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <unistd.h> /* optind */

#include "cli/cli.h"
#include "cli/options.h"

const struct cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < cli_commands_len; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

void cli_actor(char *out, size_t cap)
{
	const char *u = getenv("MAMORI_ACTOR");
	if (u && *u)
		snprintf(out, cap, "%s", u);
	else
		snprintf(out, cap, "cli:%u", (unsigned)getuid());
}

struct store *cli_store(struct cli *c)
{
	struct merr e;
	int rc;

	if (c->store)
		return c->store;
	merr_init(&e);
	rc = store_open_existing(c->db, &c->store, &e);
	if (rc) {
		cli_fail(c, rc, &e);
		return NULL;
	}
	return c->store;
}

struct store *cli_store_checked(struct cli *c)
{
	struct store *s = cli_store(c);
	struct merr e;
	int rc;

	if (!s)
		return NULL;
	merr_init(&e);
	if ((rc = store_check(s, &e))) {
		cli_fail(c, rc, &e);
		return NULL;
	}
	return s;
}

int cli_fail(struct cli *c, int code, const struct merr *e)
{
	char msg[1024];

	/* Japanese first, English second: the kind of error in both, then the detail. */
	if (e && e->code) {
		merr_format(e, msg, sizeof(msg));
		fprintf(stderr, "mamori: %s: %s: %s\n", c && c->cmd_name ? c->cmd_name : "error",
			mamori_strerror_ja(code), msg);
		return cli_exit_code(code);
	}
	fprintf(stderr, "mamori: %s: %s / %s\n", c && c->cmd_name ? c->cmd_name : "error",
		mamori_strerror_ja(code), mamori_strerror(code));
	return cli_exit_code(code);
}

int cli_usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mamori: %s: ", c && c->cmd_name ? c->cmd_name : "usage");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c && c->cmd_name)
		fprintf(stderr, "\n(see 'mamori help %s')\n", c->cmd_name);
	else
		fputs("\n(see 'mamori help')\n", stderr);
	return cli_exit_code(M_EINVAL);
}

const struct cli_opt cli_json_opts[] = {OPT_JSON(), OPT_END()};

int cli_json_only(struct cli *c, int argc, char **argv)
{
	int rc, first;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	optind = first; /* callers read their operands from argv[optind] */
	return 0;
}

bool cli_help_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

void cli_print_usage(const struct cli_command *cmd, FILE *out)
{
	char prefix[128];
	bool tables = false;

	fprintf(out, "mamori %s - %s\n\n", cmd->name, cmd->summary);
	for (const struct cli_verb *v = cmd->verbs; v && v->run; v++) {
		if (!v->opts)
			continue;
		snprintf(prefix, sizeof(prefix), "mamori %s%s%s", cmd->name, v->name[0] ? " " : "",
			 v->name);
		cli_options_synopsis(out, prefix, v->opts, v->operands);
		tables = true;
	}
	if (tables && cmd->usage[0])
		fputc('\n', out);
	fputs(cmd->usage, out);
	if (cmd->usage[0] && cmd->usage[strlen(cmd->usage) - 1] != '\n')
		fputc('\n', out);
	for (const struct cli_verb *v = cmd->verbs; v && v->run; v++) {
		if (!v->opts || v->opts[0].type == CLI_OPT_END)
			continue;
		fprintf(out, "\noptions of 'mamori %s%s%s' / オプション:\n", cmd->name,
			v->name[0] ? " " : "", v->name);
		cli_options_help(out, v->opts);
	}
}

int cli_dispatch_verbs(struct cli *c, const struct cli_command *cmd, const struct cli_verb *verbs,
		       size_t n_verbs, int argc, char **argv)
{
	static char name[128];

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_print_usage(cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? cli_exit_code(M_EINVAL) : 0;
	}
	for (size_t i = 0; i < n_verbs; i++) {
		if (strcmp(verbs[i].name, argv[1]) == 0) {
			snprintf(name, sizeof(name), "%s %s", cmd->name, verbs[i].name);
			c->cmd_name = name;
			if (cli_help_requested(argc - 1, argv + 1)) {
				cli_print_usage(cmd, stdout);
				return 0;
			}
			return verbs[i].run(c, argc - 1, argv + 1);
		}
	}
	return cli_usage_error(c, "不明なサブコマンド '%s' / unknown subcommand '%s'", argv[1],
			       argv[1]);
}

int cli_print_json(cJSON *v)
{
	char *s;

	if (!v)
		return cli_exit_code(M_ENOMEM);
	s = cJSON_Print(v);
	cJSON_Delete(v);
	if (!s)
		return cli_exit_code(M_ENOMEM);
	fputs(s, stdout);
	fputc('\n', stdout);
	cJSON_free(s);
	return 0;
}
