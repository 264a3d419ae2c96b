/* commands.c - the command table: name, entry point, summary, usage. */
#include "base/compat.h"

#include "cli/commands.h"

const struct cli_command cli_commands[] = {
    {"help", cmd_help, "show help for mamori or a command / ヘルプ", cmd_help_usage},
    {"version", cmd_version, "print the version / バージョン", cmd_version_usage},
    {"init", cmd_init, "create or upgrade the store / データベースの初期化", cmd_init_usage},
    {"feeds", cmd_feeds, "import and sync vulnerability feeds / 脆弱性フィード", cmd_feeds_usage},
    {"vuln", cmd_vuln, "match services to CVEs, show a CVE / 脆弱性の判定と詳細", cmd_vuln_usage},
};
const size_t cli_commands_len = ARRAY_SIZE(cli_commands);
