/* cmd_user.c - `mamori user add|passwd|list|disable|enable|token`: console and API accounts. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <termios.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/mtime.h"
#include "cli/commands.h"
#include "cli/options.h"

const char cmd_user_usage[] =
    "Roles: analyst (everything), bureau (its --sector, read-only), operator (its own --org),\n"
    "member (sharing only), admin (user accounts). The password is read from\n"
    "$MAMORI_PASSWORD or, without it, from the terminal (or one line of standard input).\n"
    "`token` prints a new API token once (use it as 'Authorization: Bearer TOKEN').\n"
    "`passwd` and `disable` revoke all the user's API tokens (`enable` does not bring them\n"
    "back). `tokens` lists id, label, created, last use and state, never a secret; `revoke`\n"
    "revokes one by its id.\n"
    "ユーザーの追加・パスワード変更・一覧・無効化・API トークン発行を行います。\n";

/* The password: $MAMORI_PASSWORD, else one line from stdin (echo off on a terminal). */
static int read_password(char *out, size_t cap)
{
	const char *env = getenv("MAMORI_PASSWORD");
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t n;

	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return 0;
	}
	if (tty) {
		fputs("パスワード / password: ", stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (!fgets(out, (int)cap, stdin))
		out[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return n ? 0 : -1;
}

/* Verbs that take no option: anything that looks like one is named in the error. */
static const struct cli_opt no_opts[] = {OPT_END()};

static int opt_role(void *args, const char *arg, const char **why)
{
	struct auth_user_spec *u = args;

	u->role = auth_role_parse(arg);
	if (u->role == AUTH_ROLE_NONE)
		return *why = "ロールは analyst|bureau|operator|member|admin のいずれかです / wants"
			      " analyst|bureau|operator|member|admin",
		       -1;
	return 0;
}

static const struct cli_opt add_opts[] = {
    OPT_CALLBACK("role", opt_role, "ROLE", "analyst|bureau|operator|member|admin / ロール"),
    OPT_STRING("org", struct auth_user_spec, org_slug, "SLUG",
	       "the operator's organisation / 組織"),
    OPT_STRING("sector", struct auth_user_spec, sector, "CODE", "the bureau's sector / 分野"),
    OPT_STRING("display", struct auth_user_spec, display, "NAME", "display name / 表示名"),
    OPT_END(),
};

static int user_add(struct cli *c, int argc, char **argv)
{
	struct auth_user_spec u = {0};
	char pw[AUTH_PASSWORD_MAX + 2];
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, add_opts, &u, argc, argv, &first)))
		return rc;
	if (first != argc - 1)
		return cli_usage_error(
		    c, "ユーザー名を 1 つ指定してください / one user NAME is needed");
	if (u.role == AUTH_ROLE_NONE)
		return cli_usage_error(c,
				       "--role が必要です / --role analyst|bureau|operator|member|"
				       "admin is needed");
	u.name = argv[first];
	if (read_password(pw, sizeof(pw)))
		return cli_usage_error(c, "パスワードがありません / no password given");
	u.password = pw;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = auth_user_add(s, &u, time_now(), NULL, &e);
	if (rc == 0)
		rc = auth_audit(s, "cli", "user.add", u.name, NULL, time_now(), &e);
	if (rc)
		return cli_fail(c, rc, &e);
	if (!c->quiet)
		printf("user %s added (%s)\n", u.name, auth_role_name(u.role));
	return 0;
}

static int user_passwd(struct cli *c, int argc, char **argv)
{
	char pw[AUTH_PASSWORD_MAX + 2];
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != 1 || argc != 2)
		return cli_usage_error(
		    c, "ユーザー名を 1 つ指定してください / one user NAME is needed");
	if (read_password(pw, sizeof(pw)))
		return cli_usage_error(c, "パスワードがありません / no password given");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = auth_user_passwd(s, argv[1], pw, time_now(), &e);
	if (rc == 0)
		rc = auth_audit(s, "cli", "user.passwd", argv[1], NULL, time_now(), &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

static int print_user(const struct auth_user *u, void *arg)
{
	struct cli *c = ((void **)arg)[0];
	cJSON *a = ((void **)arg)[1];
	char t[TIME_STR_MAX];

	if (c->json) {
		cJSON_AddItemToArray(a, auth_user_json(u));
		return 0;
	}
	time_fmt_jst(u->created_at, t);
	printf("%-20s %-9s %-20s %-10s %s%s\n", u->name, auth_role_name(u->role),
	       u->org_slug[0] ? u->org_slug : "-", u->sector[0] ? u->sector : "-", t,
	       u->disabled ? " 無効/disabled" : "");
	return 0;
}

static int user_list(struct cli *c, int argc, char **argv)
{
	void *arg[2] = {c, NULL};
	struct store *s;
	struct merr e;
	int rc;

	if ((rc = cli_json_only(c, argc, argv)))
		return rc;
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	if (c->json)
		arg[1] = cJSON_CreateArray();
	merr_init(&e);
	rc = auth_user_list(s, print_user, arg, &e);
	if (rc) {
		cJSON_Delete(arg[1]);
		return cli_fail(c, rc, &e);
	}
	return c->json ? cli_print_json(arg[1]) : 0;
}

static int set_disabled(struct cli *c, int argc, char **argv, bool disabled)
{
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != 1 || argc != 2)
		return cli_usage_error(
		    c, "ユーザー名を 1 つ指定してください / one user NAME is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = auth_user_set_disabled(s, argv[1], disabled, time_now(), &e);
	if (rc == 0)
		rc = auth_audit(s, "cli", disabled ? "user.disable" : "user.enable", argv[1], NULL,
				time_now(), &e);
	return rc ? cli_fail(c, rc, &e) : 0;
}

static int user_disable(struct cli *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, true);
}

static int user_enable(struct cli *c, int argc, char **argv)
{
	return set_disabled(c, argc, argv, false);
}

struct token_args {
	const char *label;
	long days;
};

static const struct cli_opt token_opts[] = {
    OPT_STRING("label", struct token_args, label, "TEXT", "what the token is for / 用途"),
    OPT_LONG("days", struct token_args, days, 1, 3650, "N", "expires after N days / 有効日数"),
    OPT_END(),
};

static int user_token(struct cli *c, int argc, char **argv)
{
	struct token_args a = {NULL, 0};
	char tok[AUTH_TOKEN_MAX];
	int64_t now = time_now();
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, token_opts, &a, argc, argv, &first)))
		return rc;
	if (first != argc - 1)
		return cli_usage_error(
		    c, "ユーザー名を 1 つ指定してください / one user NAME is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	rc = auth_token_create(s, argv[first], a.label, now, a.days ? now + a.days * 86400 : 0, tok,
			       &e);
	if (rc == 0)
		rc = auth_audit(s, "cli", "token.create", argv[first], NULL, now, &e);
	if (rc)
		return cli_fail(c, rc, &e);
	printf("%s\n", tok);
	return 0;
}

static int print_token(const struct auth_token_info *t, void *arg)
{
	struct cli *c = ((void **)arg)[0];
	cJSON *a = ((void **)arg)[1];
	char cr[TIME_STR_MAX], used[TIME_STR_MAX] = "-", st[TIME_STR_MAX + 32] = "有効/active";

	if (c->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)t->id);
		if (t->label)
			cJSON_AddStringToObject(o, "label", t->label);
		else
			cJSON_AddNullToObject(o, "label");
		cJSON_AddNumberToObject(o, "created_at", (double)t->created_at);
#define NUM_OR_NULL(k, v)                                           \
	do {                                                        \
		if (v)                                              \
			cJSON_AddNumberToObject(o, k, (double)(v)); \
		else                                                \
			cJSON_AddNullToObject(o, k);                \
	} while (0)
		NUM_OR_NULL("expires_at", t->expires_at);
		NUM_OR_NULL("last_used_at", t->last_used_at);
		NUM_OR_NULL("revoked_at", t->revoked_at);
#undef NUM_OR_NULL
		cJSON_AddBoolToObject(o, "revoked", t->revoked);
		cJSON_AddItemToArray(a, o);
		return 0;
	}
	time_fmt_jst(t->created_at, cr);
	if (t->last_used_at)
		time_fmt_jst(t->last_used_at, used);
	if (t->revoked) {
		char at[TIME_STR_MAX] = "";
		if (t->revoked_at)
			time_fmt_jst(t->revoked_at, at);
		snprintf(st, sizeof(st), "失効/revoked %s", at);
	}
	printf("%-6lld %-20s %-24s %-24s %s\n", (long long)t->id, t->label ? t->label : "-", cr,
	       used, st);
	return 0;
}

/* `user tokens NAME`: id, label, created, last used, state; never a secret. */
static int user_tokens(struct cli *c, int argc, char **argv)
{
	void *arg[2] = {c, NULL};
	struct store *s;
	struct merr e;
	int first, rc;

	if ((rc = cli_parse_options(c, cli_json_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != argc - 1)
		return cli_usage_error(
		    c, "ユーザー名を 1 つ指定してください / one user NAME is needed");
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	if (c->json)
		arg[1] = cJSON_CreateArray();
	else
		printf("%-6s %-20s %-24s %-24s %s\n", "id", "label", "作成/created (JST)",
		       "最終使用/last used", "状態/state");
	merr_init(&e);
	rc = auth_token_list(s, argv[first], print_token, arg, &e);
	if (rc) {
		cJSON_Delete(arg[1]);
		return cli_fail(c, rc, &e);
	}
	return c->json ? cli_print_json(arg[1]) : 0;
}

/* `user revoke NAME TOKEN_ID` */
static int user_revoke(struct cli *c, int argc, char **argv)
{
	int64_t now = time_now();
	struct store *s;
	struct merr e;
	char obj[AUTH_NAME_MAX + 32];
	long long id;
	int first, rc;

	if ((rc = cli_parse_options(c, no_opts, NULL, argc, argv, &first)))
		return rc;
	if (first != 1 || argc != 3)
		return cli_usage_error(c, "ユーザー名と TOKEN_ID が必要です / a user NAME and a"
					  " TOKEN_ID are needed");
	if (cli_parse_ll(argv[2], 1, INT64_MAX, &id))
		return cli_usage_error(c,
				       "TOKEN_ID '%s' は `mamori user tokens` の番号です / TOKEN_ID"
				       " is the number `mamori user tokens` shows",
				       argv[2]);
	if (!(s = cli_store(c)))
		return cli_exit_code(M_ESTORE);
	merr_init(&e);
	snprintf(obj, sizeof(obj), "%s/%lld", argv[1], id);
	if ((rc = store_begin_immediate(s, &e)))
		return cli_fail(c, rc, &e);
	rc = auth_token_revoke(s, argv[1], id, now, &e);
	if (rc == 0)
		rc = auth_audit(s, "cli", "token.revoke", obj, NULL, now, &e);
	if (rc) {
		store_rollback(s);
		return cli_fail(c, rc, &e);
	}
	if ((rc = store_commit(s, &e)))
		return cli_fail(c, rc, &e);
	printf("token %lld of %s revoked / 失効しました\n", id, argv[1]);
	return 0;
}

const struct cli_verb cmd_user_verbs[] = {
    {"add", user_add, "add a user / ユーザー追加", add_opts, "NAME"},
    {"passwd", user_passwd, "set a password / パスワード変更", no_opts, "NAME"},
    {"list", user_list, "list users / 一覧", cli_json_opts, NULL},
    {"disable", user_disable, "disable a user / 無効化", no_opts, "NAME"},
    {"enable", user_enable, "enable a user / 有効化", no_opts, "NAME"},
    {"token", user_token, "create an API token / トークン発行", token_opts, "NAME"},
    {"tokens", user_tokens, "list a user's API tokens (no secrets) / トークン一覧", cli_json_opts,
     "NAME"},
    {"revoke", user_revoke, "revoke one API token / トークン失効", no_opts, "NAME TOKEN_ID"},
    {0},
};

int cmd_user(struct cli *c, int argc, char **argv)
{
	return cli_dispatch_verbs(c, cli_find("user"), cmd_user_verbs,
				  ARRAY_SIZE(cmd_user_verbs) - 1, argc, argv);
}
