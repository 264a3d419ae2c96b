/* commands.c - the command table: name, entry point, summary, usage. */
#include "base/compat.h"

#include "cli/commands.h"

const struct cli_command cli_commands[] = {
    {"help", cmd_help, "show help for mamori or a command / ヘルプ", cmd_help_usage},
    {"version", cmd_version, "print the version / バージョン", cmd_version_usage},
    {"init", cmd_init, "create or upgrade the store / データベースの初期化", cmd_init_usage},
    {"inventory", cmd_inventory, "operators, assets, scope: import, export, list, show / 台帳",
     cmd_inventory_usage},
    {"scope", cmd_scope, "may this address be probed? exclusions / 診断許可範囲", cmd_scope_usage},
    {"fingerprint", cmd_fingerprint, "Recog fingerprints: list, match, selftest / 指紋照合",
     cmd_fingerprint_usage},
    {"discover", cmd_discover, "DNS discovery and passive imports / 資産の発見", cmd_discover_usage,
     cmd_discover_verbs},
    {"assets", cmd_assets, "discovered candidates: list, confirm, reject / 候補資産",
     cmd_assets_usage},
    {"feeds", cmd_feeds, "import and sync vulnerability feeds / 脆弱性フィード", cmd_feeds_usage,
     cmd_feeds_verbs},
    {"vuln", cmd_vuln, "match services to CVEs, show a CVE / 脆弱性の判定と詳細", cmd_vuln_usage,
     cmd_vuln_verbs},
    {"scan", cmd_scan, "discover open ports in scope / ポート探索", cmd_scan_usage, cmd_scan_verbs},
    {"findings", cmd_findings, "findings: list, show, update / 指摘の一覧と詳細",
     cmd_findings_usage},
    {"rating", cmd_rating, "grades, scores, deductions, sectors / 評点と等級", cmd_rating_usage},
    {"report", cmd_report, "quarterly and sector reports (HTML, PDF) / 四半期報告書",
     cmd_report_usage, cmd_report_verbs},
    {"schedule", cmd_schedule, "rescan schedule: what is due and why / 再診断予定",
     cmd_schedule_usage},
    {"asm", cmd_asm, "run the ASM cycle (discover to rating) / ASM サイクル", cmd_asm_usage,
     cmd_asm_verbs},
    {"serve", cmd_serve, "web console and JSON API / Web コンソールと API", cmd_serve_usage,
     cmd_serve_verbs},
    {"user", cmd_user, "console and API accounts, tokens / ユーザー管理", cmd_user_usage},
    {"identify", cmd_identify, "identify services on open ports / サービス特定",
     cmd_identify_usage},
    {"services", cmd_services, "identified services: list / サービス一覧", cmd_services_usage},
    {"alert", cmd_alert, "urgent alerts: create, deliver, webhooks / 緊急アラート",
     cmd_alert_usage},
    {"advisories", cmd_advisories, "vulnerability notices: sync, ack, pending / 脆弱性情報の通知",
     cmd_advisories_usage},
};
const size_t cli_commands_len = ARRAY_SIZE(cli_commands);
