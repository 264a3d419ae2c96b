/* findings_int.h - for src/findings/ files only: the check tables shared by the collector
 * and the unit tests. */
#ifndef MAMORI_FINDINGS_INT_H
#define MAMORI_FINDINGS_INT_H

#include "findings/findings.h"

/* A TLS check over a services.tls_info JSON object. */
struct finding_check {
	const char *key, *severity;
	bool (*hit)(const struct cJSON *tls_info);
	const char *reason_ja, *reason_en;
};
const struct finding_check *finding_tls_checks(size_t *n);

/* An e-mail check: the email_hygiene column equals value. */
struct finding_mail_check {
	const char *key, *column, *value, *severity;
	const char *reason_ja, *reason_en;
};
const struct finding_mail_check *finding_mail_checks(size_t *n);

/* Parses one SSVC table from a buffer (the BOD 26-04 table, or the coordinator tree when
 * coordinator is true): returns the number of rows (> 0) or a negative code. For the fuzzer. */
int finding_ssvc_parse_buf(const char *text, size_t len, bool coordinator, struct merr *e);

#endif
