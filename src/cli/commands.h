/* commands.h - one entry point per command file; the table is in commands.c. */
#ifndef MAMORI_COMMANDS_H
#define MAMORI_COMMANDS_H

#include "cli/cli.h"

int cmd_help(struct cli *c, int argc, char **argv);
int cmd_version(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_inventory(struct cli *c, int argc, char **argv);
int cmd_scope(struct cli *c, int argc, char **argv);
int cmd_fingerprint(struct cli *c, int argc, char **argv);
int cmd_discover(struct cli *c, int argc, char **argv);
int cmd_assets(struct cli *c, int argc, char **argv);
int cmd_feeds(struct cli *c, int argc, char **argv);
int cmd_vuln(struct cli *c, int argc, char **argv);
int cmd_scan(struct cli *c, int argc, char **argv);
int cmd_findings(struct cli *c, int argc, char **argv);
int cmd_rating(struct cli *c, int argc, char **argv);
int cmd_report(struct cli *c, int argc, char **argv);
int cmd_schedule(struct cli *c, int argc, char **argv);
int cmd_asm(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_identify(struct cli *c, int argc, char **argv);
int cmd_services(struct cli *c, int argc, char **argv);
int cmd_alert(struct cli *c, int argc, char **argv);
int cmd_advisories(struct cli *c, int argc, char **argv);
int cmd_incident(struct cli *c, int argc, char **argv);
int cmd_case(struct cli *c, int argc, char **argv);
int cmd_exercise(struct cli *c, int argc, char **argv);
extern const char cmd_exercise_usage[];
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_checklist(struct cli *c, int argc, char **argv);
int cmd_share(struct cli *c, int argc, char **argv);
int cmd_sns(struct cli *c, int argc, char **argv);
int cmd_jobs(struct cli *c, int argc, char **argv);
/* Runs identify on the ports scan_id found open for org (scan --identify). */
int cmd_identify_after_scan(struct cli *c, const char *org, int64_t scan_id);

extern const char cmd_help_usage[], cmd_version_usage[], cmd_init_usage[];
extern const char cmd_inventory_usage[], cmd_scope_usage[];
extern const char cmd_fingerprint_usage[];
extern const char cmd_discover_usage[], cmd_assets_usage[];
extern const char cmd_feeds_usage[], cmd_vuln_usage[];
/* Verb tables with their option tables (for the generated usage). */
extern const struct cli_verb cmd_findings_verbs[];
extern const struct cli_verb cmd_feeds_verbs[], cmd_asm_verbs[], cmd_serve_verbs[],
    cmd_scan_verbs[], cmd_discover_verbs[], cmd_vuln_verbs[], cmd_report_verbs[],
    cmd_rating_verbs[], cmd_schedule_verbs[], cmd_services_verbs[], cmd_fingerprint_verbs[],
    cmd_assets_verbs[], cmd_scope_verbs[], cmd_advisories_verbs[], cmd_exercise_verbs[],
    cmd_incident_verbs[], cmd_case_verbs[], cmd_audit_verbs[], cmd_sns_verbs[];
extern const char cmd_scan_usage[];
extern const char cmd_findings_usage[], cmd_rating_usage[], cmd_schedule_usage[], cmd_asm_usage[];
extern const char cmd_serve_usage[], cmd_user_usage[];
extern const char cmd_report_usage[];
extern const char cmd_identify_usage[], cmd_services_usage[];
extern const char cmd_alert_usage[], cmd_advisories_usage[];
extern const char cmd_incident_usage[], cmd_case_usage[], cmd_audit_usage[];
extern const char cmd_checklist_usage[];
extern const char cmd_share_usage[];
extern const char cmd_sns_usage[], cmd_jobs_usage[];
int cmd_worker(struct cli *c, int argc, char **argv);
extern const char cmd_worker_usage[];
extern const struct cli_verb cmd_worker_verbs[];
/* lib2: commands moved to option tables */
extern const struct cli_verb cmd_jobs_verbs[], cmd_user_verbs[], cmd_checklist_verbs[],
    cmd_identify_verbs[], cmd_inventory_verbs[], cmd_alert_verbs[], cmd_store_verbs[];
/* harden-data */
int cmd_store(struct cli *c, int argc, char **argv);
extern const char cmd_store_usage[];

#endif
