/* prio.c - the one deadline rule of every finding (the one priority order is
 * FINDING_PRIO_ORDER in findings.h, read by read.c). */
#include "base/compat.h"

#include "findings/findings.h"

#define KEV_DAYS 14		 /* seeds 003/004: KEV entries fixed within two weeks */
#define CRITICAL_EXPOSED_DAYS 14 /* BOD 23-02: exposed management interfaces, 14 days */
#define CRITICAL_OTHER_DAYS 60	 /* the longest dated BOD 26-04 timeline */
#define HIGH_CONFIG_DAYS 30	 /* BOD 19-02's high: configuration findings without a CVE */

int finding_deadline_days(const struct finding_deadline_in *in, const char **rule)
{
	bool critical = in->severity && !strcmp(in->severity, "critical");
	int days = in->bod_days;
	const char *why = days >= 0 ? "BOD 26-04 の対応期間 / the BOD 26-04 timeline"
				    : "期限なし (更新時に修正) / none (fix on system upgrade)";

	if (in->kev && (days < 0 || days > KEV_DAYS)) {
		days = KEV_DAYS;
		why = "KEV 掲載: 発見から 14 日 / in KEV: 14 days from discovery";
	}
	if (critical && in->exposed && (days < 0 || days > CRITICAL_EXPOSED_DAYS)) {
		days = CRITICAL_EXPOSED_DAYS;
		why = "インターネットに露出した緊急の指摘: 14 日 (BOD 23-02) / critical exposure: "
		      "14 days (BOD 23-02)";
	}
	if (!in->vuln && in->severity && !strcmp(in->severity, "high") && days < 0) {
		days = HIGH_CONFIG_DAYS;
		why = "重要な設定の不備: 30 日 / high configuration finding: 30 days";
	}
	if (critical && days < 0) {
		days = CRITICAL_OTHER_DAYS;
		why = "緊急の指摘: 60 日 (BOD 26-04 の最長期間) / critical: 60 days (the longest "
		      "BOD 26-04 timeline)";
	}
	if (rule)
		*rule = why;
	return days;
}
