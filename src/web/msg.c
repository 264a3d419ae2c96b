/* msg.c - the console's words, Japanese first and English, one row per message id.
 * A page asks web_msg(lang, id); a missing row is a compile-time gap caught by the test. */
#include "base/compat.h"

#include <ctype.h>

#include "base/bi.h"
#include "findings/findings.h"
#include "web/web_int.h"

static const char *const msgs[M_COUNT][2] = {
    [M_APP_NAME] = {"mamori 守り", "mamori"},
    [M_NAV_DASHBOARD] = {"ダッシュボード", "Dashboard"},
    [M_NAV_ORGS] = {"事業者", "Operators"},
    [M_NAV_USERS] = {"ユーザー", "Users"},
    [M_NAV_AUDIT] = {"監査ログ", "Audit log"},
    [M_NAV_SHARING] = {"情報共有", "Sharing"},
    [M_LOGOUT] = {"ログアウト", "Log out"},
    [M_LOGIN] = {"ログイン", "Log in"},
    [M_LOGIN_TITLE] = {"ログイン", "Sign in"},
    [M_USERNAME] = {"ユーザー名", "User name"},
    [M_PASSWORD] = {"パスワード", "Password"},
    [M_LOGIN_FAILED] = {"ユーザー名またはパスワードが違います。", "Wrong user name or password."},
    [M_LOGIN_THROTTLED] = {"ログインの失敗が続いたため、しばらく待ってから再試行してください。",
			   "Too many failed logins; please wait before trying again."},
    [M_SESSION_EXPIRED] = {"セッションの有効期限が切れました。もう一度ログインしてください。",
			   "Your session has expired. Please sign in again."},
    [M_LANG_SWITCH] = {"English", "日本語"},
    [M_DASHBOARD] = {"ダッシュボード", "Dashboard"},
    [M_OPERATORS_BY_SECTOR] = {"分野別の事業者数", "Operators by sector"},
    [M_SECTOR] = {"分野", "Sector"},
    [M_OPERATORS] = {"事業者数", "Operators"},
    [M_CRITICAL] = {"重要インフラ", "Critical"},
    [M_TOTAL] = {"合計", "Total"},
    [M_GRADES] = {"等級", "Grades"},
    [M_FINDINGS] = {"指摘", "Findings"},
    [M_ALERTS] = {"警報", "Alerts"},
    [M_NAV_ALERTS] = {"警報・注意喚起", "Alerts"},
    [M_ALERTS_AWAITING] = {"確認待ちの警報", "Alerts awaiting acknowledgement"},
    [M_ALERT] = {"警報", "Alert"},
    [M_ALERT_SUBJECT] = {"件名", "Subject"},
    [M_KIND_ALERT] = {"緊急警報", "Urgent alert"},
    [M_KIND_NOTICE] = {"注意喚起", "Advisory notice"},
    [M_URGENT] = {"緊急", "Urgent"},
    [M_URGENT_ONLY] = {"緊急のみ", "Urgent only"},
    [M_UNACKED_ONLY] = {"未確認のみ", "Unacknowledged only"},
    [M_ACK_STATE] = {"確認", "Acknowledgement"},
    [M_ACKED] = {"確認済み", "Acknowledged"},
    [M_UNACKED] = {"未確認", "Not acknowledged"},
    [M_ACK] = {"確認しました", "Acknowledge"},
    [M_ACK_TITLE] = {"警報の受領確認", "Acknowledge an alert"},
    [M_ACK_CONFIRM] = {"この警報を受け取り、確認したことを記録します。",
		       "This records that you received and read this alert."},
    [M_DELIVERY] = {"配信状況", "Delivery"},
    [M_DELIVERY_LOG] = {"配信記録", "Delivery log"},
    [M_CHANNEL] = {"経路", "Channel"},
    [M_RECIPIENT] = {"宛先", "Recipient"},
    [M_ATTEMPTS] = {"試行回数", "Attempts"},
    [M_DELIVERED_AT] = {"配信日時", "Delivered"},
    [M_BODY] = {"本文", "Body"},
    [M_DL_DELIVERED] = {"配信済み", "delivered"},
    [M_DL_PENDING] = {"送信待ち", "pending"},
    [M_DL_REFUSED] = {"拒否", "refused"},
    [M_DL_DEAD] = {"停止 (再送待ち)", "dead (awaiting retry)"},
    [M_NO_DATA_YET] = {"まだデータがありません", "No data yet"},
    [M_ORG_LIST] = {"事業者一覧", "Operators"},
    [M_FILTER] = {"絞り込み", "Filter"},
    [M_ALL] = {"すべて", "All"},
    [M_SLUG] = {"ID", "ID"},
    [M_NAME] = {"名称", "Name"},
    [M_NAME_EN] = {"英語名", "English name"},
    [M_BUSINESS_TYPE] = {"業種", "Business type"},
    [M_SIZE] = {"規模", "Size"},
    [M_YES] = {"はい", "Yes"},
    [M_NO] = {"いいえ", "No"},
    [M_PREV] = {"前へ", "Previous"},
    [M_NEXT] = {"次へ", "Next"},
    [M_SHOWING] = {"件を表示", "shown"},
    [M_ALIASES] = {"別名", "Aliases"},
    [M_CONTACTS] = {"連絡先", "Contacts"},
    [M_EMAIL] = {"メール", "E-mail"},
    [M_ROLE] = {"役割", "Role"},
    [M_ASSETS] = {"資産", "Assets"},
    [M_KIND] = {"種別", "Kind"},
    [M_VALUE] = {"値", "Value"},
    [M_STATUS] = {"状態", "Status"},
    [M_SOURCE] = {"出所", "Source"},
    [M_PRODUCTS] = {"申告製品", "Declared products"},
    [M_VERSION] = {"バージョン", "Version"},
    [M_ASSET] = {"資産", "Asset"},
    [M_SCOPE] = {"診断許可範囲", "Authorised scope"},
    [M_AUTHORISED_BY] = {"許可者", "Authorised by"},
    [M_VALID_FROM] = {"開始日", "Valid from"},
    [M_VALID_UNTIL] = {"終了日", "Valid until"},
    [M_VALIDITY] = {"有効性", "Validity"},
    [M_VALID_NOW] = {"有効", "Valid"},
    [M_EXPIRED] = {"期限切れ", "Expired"},
    [M_NOT_YET] = {"開始前", "Not yet valid"},
    [M_NOTE] = {"備考", "Note"},
    [M_NONE] = {"なし", "None"},
    [M_USERS] = {"ユーザー管理", "Users"},
    [M_DISPLAY_NAME] = {"表示名", "Display name"},
    [M_ORG] = {"事業者", "Operator"},
    [M_DISABLED] = {"無効", "Disabled"},
    [M_ENABLED] = {"有効", "Enabled"},
    [M_CREATED] = {"作成日時", "Created"},
    [M_ADD_USER] = {"ユーザーを追加", "Add user"},
    [M_DISABLE] = {"無効にする", "Disable"},
    [M_ENABLE] = {"有効にする", "Enable"},
    [M_AUDIT_LOG] = {"監査ログ", "Audit log"},
    [M_TIME] = {"日時", "Time"},
    [M_ACTOR] = {"実行者", "Actor"},
    [M_ACTION] = {"操作", "Action"},
    [M_OBJECT] = {"対象", "Object"},
    [M_SHARING] = {"情報共有 (TAXII 2.1)", "Sharing (TAXII 2.1)"},
    [M_SHARING_TEXT] =
	{"TAXII 2.1 の探索文書は /taxii2/ にあります。共有コレクションはまだありません。",
	 "The TAXII 2.1 discovery document is at /taxii2/. There are no shared "
	 "collections yet."},
    [M_ERR_FORBIDDEN] = {"この操作は許可されていません (403)", "Forbidden (403)"},
    [M_ERR_NOT_FOUND] = {"ページが見つかりません (404)", "Not found (404)"},
    [M_ERR_BAD_REQUEST] = {"リクエストが不正です (400)", "Bad request (400)"},
    [M_ERR_INTERNAL] = {"サーバーエラー", "Server error"},
    [M_ERR_OTHER] = {"エラー", "Error"},
    [M_BACK] = {"ダッシュボードへ戻る", "Back to the dashboard"},
    [M_TIMES_JST] = {"時刻はすべて日本標準時 (JST)", "All times are Japan Standard Time (JST)"},
    [M_SIGNED_IN_AS] = {"ログイン中", "Signed in as"},
    [M_NAV_FINDINGS] = {"指摘", "Findings"},
    [M_NAV_FEEDS] = {"フィード", "Feeds"},
    [M_NAV_SCANS] = {"スキャン", "Scans"},
    [M_SEVERITY] = {"深刻度", "Severity"},
    [M_TITLE] = {"件名", "Title"},
    [M_GRADE] = {"等級", "Grade"},
    [M_SCORE] = {"評点", "Score"},
    [M_PERIOD] = {"期間", "Period"},
    [M_URGENT_FINDINGS] = {"新しい緊急の指摘（KEV・緊急）", "New urgent findings (KEV / critical)"},
    [M_OPERATORS_BY_GRADE] = {"等級別の事業者", "Operators by grade"},
    [M_DEADLINE] = {"対応期限", "Deadline"},
    [M_EVIDENCE] = {"根拠", "Evidence"},
    [M_REASONS] = {"判断理由", "Reasons"},
    [M_EVENTS] = {"履歴", "Events"},
    [M_KEV_ONLY] = {"KEVのみ", "KEV only"},
    [M_STATE_OPEN] = {"未対応", "Open"},
    [M_STATE_FIXED] = {"対応済み", "Fixed"},
    [M_FIRST_SEEN] = {"初検出", "First seen"},
    [M_LAST_SEEN] = {"最終検出", "Last seen"},
    [M_LAST_IMPORT] = {"最終取込", "Last import"},
    [M_RECORDS] = {"件数", "Records"},
    [M_ERRORS] = {"エラー", "Errors"},
    [M_MODE] = {"方式", "Mode"},
    [M_PORTS] = {"ポート", "Ports"},
    [M_STARTED] = {"開始", "Started"},
    [M_SENT] = {"送信", "Sent"},
    [M_RECEIVED] = {"受信", "Received"},
    [M_DEDUCTIONS] = {"減点の内訳", "Deductions"},
    [M_POINTS] = {"点", "Points"},
    [M_SERVICES] = {"サービス", "Services"},
    [M_CERTIFICATES] = {"証明書", "Certificates"},
    [M_SUBJECT] = {"主体者", "Subject"},
    [M_ISSUER] = {"発行者", "Issuer"},
    [M_NOT_AFTER] = {"有効期限", "Not after"},
    [M_FLAGS] = {"注意", "Flags"},
    [M_FINDING] = {"指摘", "Finding"},
    [M_FEED_STATUS] = {"フィードの状況", "Feed status"},
    [M_SCAN_HISTORY] = {"スキャン履歴", "Scan history"},
    [M_RESCAN_DUE] = {"再診断の期日到来", "Rescan due"},
    [M_HOSTS] = {"ホスト数", "Hosts"},
    [M_NO_RATING] = {"未診断: 診断が完了していないため等級はありません",
		     "Not assessed: no complete assessment, so no grade"},
    [M_PRODUCT] = {"製品", "Product"},
    /* incident */
    [M_NAV_INCIDENTS] = {"インシデント", "Incidents"},
    [M_INCIDENTS] = {"インシデント報告", "Incident reports"},
    [M_INCIDENT] = {"インシデント", "Incident"},
    [M_INCIDENT_NEW] = {"インシデント報告の提出", "Report an incident"},
    [M_CASES] = {"駆けつけ支援・相談窓口", "Rush support and consultation"},
    [M_CASE] = {"支援・相談の案件", "Support case"},
    [M_EXERCISES] = {"演習（訓練）", "Exercises (training)"},
    [M_EXERCISE] = {"【訓練】演習", "[EXERCISE] Run"},
    [M_EXERCISE_MAILS_ONLY] = {"【訓練】演習のメールのみ", "Exercise mails only"},
    [M_EXERCISE_INCIDENT] = {"【訓練】演習インシデント報告", "[EXERCISE] Incident report"},
    /* findings, priority, triage (trust) */
    [M_OVERDUE] = {"期限超過", "overdue"},
    [M_KEV_DUE] = {"KEV 期日 (CISA)", "KEV due date (CISA)"},
    [M_DECLARED] = {"申告", "Declared"},
    [M_SEARCH] = {"検索", "Search"},
    [M_CVE] = {"CVE", "CVE"},
    [M_HOST] = {"ホスト / IP", "Host / IP"},
    [M_TO_CONFIRM] = {"要確認のみ", "To confirm only"},
    [M_OVERDUE_ONLY] = {"期限超過のみ", "Overdue only"},
    [M_NUMBER] = {"番号", "No."},
    [M_CSV_EXPORT] = {"CSV で出力", "Export CSV"},
    [M_NO_MATCH] = {"条件に合う指摘はありません", "No finding matches"},
    [M_INPUT] = {"判断の入力", "Input"},
    [M_CONFIDENCE] = {"確度", "Confidence"},
    [M_FIX_FIRST] = {"最優先の指摘（事業者ごと）", "Fix first (per operator)"},
    [M_NO_OPEN_FINDINGS] = {"未対応の指摘はありません", "No open findings"},
    [M_FEED_AGE] = {"脆弱性情報の鮮度", "Feed data age"},
    [M_DAYS_OLD] = {"日前", "days old"},
    [M_IMPORTED] = {"取込", "imported"},
    [M_NOT_ASSESSED] = {"未診断", "Not assessed"},
    [M_ASSESSED] = {"診断済み", "Assessed"},
    [M_COVERAGE] = {"診断の範囲と鮮度", "Coverage and data age"},
    [M_ASSESSMENT] = {"診断状況", "Assessment"},
    [M_LAST_SCAN] = {"最終診断", "Last scan"},
    [M_ADDRS_SCANNED] = {"アドレス (診断済み / 許可範囲)", "Addresses (scanned / in scope)"},
    [M_AUTHORISED_FROM] = {"診断の許可の開始日", "Authorised from"},
    [M_TRIAGE] = {"判定", "Triage"},
    [M_UNTRIAGED] = {"未判定", "Not triaged"},
    [M_ASSIGNEE] = {"担当者", "Assignee"},
    [M_COMMENT] = {"コメント", "Comment"},
    [M_COMMENTS] = {"コメント", "Comments"},
    [M_TRIAGE_LOG] = {"判定の履歴", "Triage history"},
    [M_UNTIL] = {"期限 (リスク受容)", "Until (risk acceptance)"},
    [M_APPLY] = {"適用", "Apply"},
    [M_SELECTED] = {"選択した指摘を", "Selected findings:"},
    [M_UNCHANGED] = {"変更しない", "Unchanged"},
    [M_MY_FINDINGS] = {"自組織の指摘", "My findings"},
    [M_DUE_THIS_WEEK] = {"7 日以内に期限", "Due within 7 days"},
    [M_ZERO_DEDUCTIONS] = {"減点 0 の指摘 (上限到達など)", "Findings at 0 points (cap reached …)"},
    [M_CONFIRM_TAG] = {"要確認", "to confirm"},
    [M_NOT_ASSESSED_NO_GRADE] = {"診断が完了していないため、等級・評点はありません "
				 "(分野の平均にも含めません)",
				 "No complete assessment yet, so no grade and no score (and not "
				 "counted in the sector mean)"},
    [M_DUE_LIST] = {"7 日以内に期限の指摘", "Findings due within 7 days"},
    [M_NOTHING_DUE_WEEK] = {"7 日以内に期限を迎える指摘はありません",
			    "Nothing falls due within 7 days"},
    [M_KPI] = {"指標 (KPI)", "Key figures (KPI)"},
    [M_KPI_AGE] = {"未対応の指摘の経過日数", "Age of open findings"},
    [M_KPI_OVERDUE_KEV] = {"期限超過の KEV 指摘", "Overdue KEV findings"},
    [M_KPI_TTR] = {"修正までの日数 (期限との比較)", "Time to remediate vs deadline"},
    [M_KPI_NEW_FIXED] = {"週ごとの新規と修正", "New vs fixed per week"},
    [M_KPI_NEW] = {"新規", "New"},
    [M_KPI_FIXED] = {"修正", "Fixed"},
    [M_KPI_NO_FIXED] = {"この期間に修正された指摘はありません",
			"No finding was fixed in this period"},
    [M_CANDIDATES] = {"確認待ちの資産候補", "Candidate assets to confirm"},
    [M_CANDIDATE_CONFIRM] = {"自組織の資産", "Ours"},
    [M_CANDIDATE_REJECT] = {"自組織ではない", "Not ours"},
    [M_CANDIDATE_DECIDED] = {"判断", "Decision"},
    [M_NO_CANDIDATES] = {"確認待ちの資産候補はありません", "No candidate asset awaits a decision"},
    [M_REPORT_JA] = {"日本語版 PDF", "Japanese PDF"},
    [M_REPORT_EN] = {"英語版 PDF", "English PDF"},
    /* sns */
    [M_NAV_SNS] = {"SNS 予兆", "SNS precursors"},
    [M_OVERDUE_HEAD] = {"期限超過", "Overdue"},
    [M_RATING_PENDING] = {"評価待ち", "Rating pending"},
    [M_RATING_PENDING_WHY] = {"診断済みで評点の計算を待つ事業者",
			      "operators assessed whose score is not computed yet"},
    [M_NONE_AWAITING_ACK] = {"確認を待つ警報はありません", "No alert awaits acknowledgement"},
    [M_RATING_PENDING_ORG] = {"診断は完了しています。等級・評点は次の評点計算で付きます",
			      "Assessed; the grade and score come with the next rating run"},
    [M_ACKED_BY_LINK] = {"メールのリンクから", "from the mail link"},
    [M_NO_RESCAN_DUE] = {"再診断の期日を迎えたホストはありません", "No host is due for a rescan"},
};

/* Codes stored in the tables and shown to people: one row per code, Japanese and English.
 * One term per concept (docs/GLOSSARY.md). */
static const char *const codes[][3] = {
    /* severity */
    {"critical", "緊急", "critical"},
    {"high", "重要", "high"},
    {"medium", "警告", "medium"},
    {"low", "注意", "low"},
    {"info", "情報", "info"},
    /* finding state and events */
    {"open", "未対応", "open"},
    {"fixed", "修正済み", "fixed"},
    {"opened", "検出", "opened"},
    {"reopened", "再発", "reopened"},
    {"changed", "変更", "changed"},
    /* triage states */
    {"confirmed", "確認済み", "confirmed"},
    {"false_positive", "誤検知", "false positive"},
    {"accepted", "リスク受容", "risk accepted"},
    {"in_progress", "対応中", "in progress"},
    {"fixed_pending", "修正済み (再診断待ち)", "fixed (awaiting rescan)"},
    {"triage", "判定", "triage"},
    {"assignee", "担当者", "assignee"},
    {"comment", "コメント", "comment"},
    /* kinds */
    {"vulnerability", "脆弱性", "vulnerability"},
    {"declared", "申告製品の脆弱性", "declared product"},
    {"risky_service", "危険なサービス", "risky service"},
    {"tls", "TLS 設定", "TLS"},
    {"email", "メール設定", "e-mail"},
    /* urgency and SSVC */
    {"KEV", "KEV (悪用確認済み)", "KEV (exploited)"},
    {"KEV?", "KEV (要確認)", "KEV (to confirm)"},
    {"ACT", "直ちに対応", "act"},
    {"ATTEND", "優先して対応", "attend"},
    {"TRACK*", "注視", "track*"},
    {"TRACK", "追跡", "track"},
    {"act", "直ちに対応", "act"},
    {"attend", "優先して対応", "attend"},
    {"track*", "注視", "track*"},
    {"track", "追跡", "track"},
    /* BOD 26-04 timelines */
    {"fix on system upgrade", "システム更新時に修正", "fix on system upgrade"},
    {"60 days", "60 日以内", "60 days"},
    {"14 days", "14 日以内", "14 days"},
    {"3 days", "3 日以内", "3 days"},
    {"3 days & forensic investigation", "3 日以内と侵害調査", "3 days & forensic investigation"},
    /* matcher states */
    {"affected", "影響あり", "affected"},
    {"affected-if-platform", "条件付き影響", "affected if platform"},
    {"probable-backport", "修正済みの可能性", "probable backport"},
    {"product-only", "製品一致 (版数未確認)", "product only"},
    {"incomparable", "判定不能", "incomparable"},
    {"not-affected", "影響なし", "not affected"},
    /* reason names */
    {"in_kev", "KEV 掲載", "in KEV"},
    {"exploitation", "悪用状況", "exploitation"},
    {"exposed", "インターネットへの露出", "publicly exposed"},
    {"automatable", "自動化可能", "automatable"},
    {"technical_impact", "技術的影響", "technical impact"},
    {"mission_wellbeing", "任務・福祉への影響", "mission & well-being"},
    {"bod_26_04", "BOD 26-04 の対応期間", "BOD 26-04 timeline"},
    {"ssvc_decision", "SSVC 判定", "SSVC decision"},
    {"deadline_days", "対応期限 (日)", "deadline (days)"},
    {"candidate", "候補とした理由", "why a candidate"},
    {"candidate_severity", "確認後の深刻度", "severity once confirmed"},
    /* reason values */
    {"active", "悪用あり", "active"},
    {"public poc", "公開 PoC あり", "public PoC"},
    {"none", "なし", "none"},
    {"total", "全面的", "total"},
    {"partial", "部分的", "partial"},
    /* rating deduction groups (a stored row may name the cap group) */
    {"kev", "KEV 掲載の脆弱性", "known exploited vulnerability (KEV)"},
    {"vuln", "脆弱性", "vulnerability"},
    {"vuln_low", "軽微な脆弱性", "minor vulnerability"},
    {"risky", "危険なサービスの公開", "risky exposed service"},
    /* asset status and source */
    {"rejected", "自組織ではない", "not ours"},
    {"inventory", "台帳", "inventory"},
    {"dns", "DNS 調査", "DNS discovery"},
    {"ct", "証明書透明性ログ", "certificate transparency"},
    {"domain", "ドメイン", "domain"},
    {"hostname", "ホスト名", "host name"},
    {"ipv4", "IPv4", "IPv4"},
    {"ipv6", "IPv6", "IPv6"},
    {"cidr", "アドレス範囲", "address range"},
    /* scan modes */
    {"connect", "TCP 接続", "TCP connect"},
    {"syn", "SYN (ハーフオープン)", "SYN (half-open)"},
    {"udp", "UDP", "UDP"},
    /* console roles (auth_role_name), docs/GLOSSARY.md */
    {"analyst", "分析担当", "analyst"},
    {"bureau", "所管部局", "bureau"},
    {"operator", "事業者", "operator"},
    {"member", "会員", "member"},
    {"admin", "管理者", "admin"},
    /* contact roles as operators write them in the inventory */
    {"情報システム部", "情報システム部", "IT department"},
    {"情報システム課", "情報システム課", "IT section"},
    {"情報システム", "情報システム", "IT systems"},
    {"情報セキュリティ室", "情報セキュリティ室", "Information security office"},
    {"制御システム担当", "制御システム担当", "Control systems"},
    {"システム管理", "システム管理", "System administration"},
    {"総務課", "総務課", "General affairs section"},
    {"総務", "総務", "General affairs"},
    {"事務所", "事務所", "Office"},
};

const char *web_code(enum web_lang lang, const char *code)
{
	if (!code)
		return "";
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (!strcmp(code, codes[i][0]))
			return codes[i][lang == WEB_LANG_EN ? 2 : 1];
	return code;
}

/* STIX 2.1 object types and the kinds of indicator a member publishes: their own tables, as
 * "email" or "identity" mean other things in the code table. */
static const char *const stix_types[][3] = {
    {"indicator", "指標", "indicator"},
    {"relationship", "関係", "relationship"},
    {"sighting", "観測報告", "sighting"},
    {"identity", "組織情報", "identity"},
    {"vulnerability", "脆弱性", "vulnerability"},
    {"malware", "マルウェア", "malware"},
    {"attack-pattern", "攻撃手法", "attack pattern"},
    {"campaign", "攻撃キャンペーン", "campaign"},
    {"course-of-action", "対処方法", "course of action"},
    {"grouping", "グループ", "grouping"},
    {"infrastructure", "攻撃基盤", "infrastructure"},
    {"intrusion-set", "攻撃グループ", "intrusion set"},
    {"location", "所在地", "location"},
    {"malware-analysis", "マルウェア解析", "malware analysis"},
    {"note", "メモ", "note"},
    {"observed-data", "観測データ", "observed data"},
    {"opinion", "意見", "opinion"},
    {"report", "報告", "report"},
    {"threat-actor", "攻撃者", "threat actor"},
    {"tool", "ツール", "tool"},
    {"marking-definition", "マーキング定義", "marking definition"},
};

static const char *const ioc_kinds[][3] = {
    {"ipv4", "IPv4 アドレス", "IPv4 address"},
    {"ipv6", "IPv6 アドレス", "IPv6 address"},
    {"ip", "IP アドレス", "IP address"},
    {"domain", "ドメイン名", "domain name"},
    {"url", "URL", "URL"},
    {"sha256", "SHA-256 ハッシュ値", "SHA-256 hash"},
    {"hash", "ハッシュ値", "hash"},
    {"email", "メールアドレス", "e-mail address"},
};

static const char *table_word(const char *const (*t)[3], size_t n, enum web_lang lang,
			      const char *code)
{
	if (!code)
		return "";
	for (size_t i = 0; i < n; i++)
		if (!strcmp(code, t[i][0]))
			return t[i][lang == WEB_LANG_EN ? 2 : 1];
	return code;
}

const char *web_stix_type(enum web_lang lang, const char *type)
{
	return table_word(stix_types, ARRAY_SIZE(stix_types), lang, type);
}

const char *web_ioc_kind(enum web_lang lang, const char *kind)
{
	return table_word(ioc_kinds, ARRAY_SIZE(ioc_kinds), lang, kind);
}

const char *web_role_name(enum web_lang lang, enum auth_role role)
{
	return web_code(lang, auth_role_name(role));
}

const char *web_merr_text(enum web_lang lang, const struct merr *e, char *buf, size_t cap)
{
	struct merr c;
	char half[sizeof c.msg];

	if (!cap)
		return "";
	if (!e) {
		buf[0] = '\0';
		return buf;
	}
	c = *e;
	snprintf(half, sizeof half, "%s",
		 bi_msg_half(e->msg, lang == WEB_LANG_EN, c.msg, sizeof c.msg));
	snprintf(c.msg, sizeof c.msg, "%s",
		 half[0]	       ? half
		 : lang == WEB_LANG_EN ? mamori_strerror(e->code)
				       : mamori_strerror_ja(e->code));
	if (lang == WEB_LANG_JA && !bi_has_non_ascii(c.msg)) {
		/* an English-only library message: the Japanese words for its code first */
		char tmp[sizeof c.msg + 128];
		snprintf(tmp, sizeof tmp, "%s (%s)", mamori_strerror_ja(e->code), c.msg);
		size_t n = strlen(tmp);
		if (n >= sizeof c.msg)
			n = sizeof c.msg - 1;
		memcpy(c.msg, tmp, n);
		c.msg[n] = '\0';
	}
	merr_format(&c, buf, cap);
	return buf;
}

const char *web_asset_name(enum web_lang lang, const char *asset, char *buf, size_t cap)
{
	char label[256];

	if (!asset)
		return "";
	if (strncmp(asset, "declared:", 9))
		return asset;
	/* declared:cpe:2.3:… or declared:vendor:product:version */
	if (!strncmp(asset + 9, "cpe:", 4)) {
		finding_product_label(asset + 9, NULL, NULL, label, sizeof label);
	} else {
		char v[96] = "", p[96] = "", ver[96] = "";
		sscanf(asset + 9, "%95[^:]:%95[^:]:%95s", v, p, ver);
		finding_product_label(NULL, p[0] ? p : v, ver, label, sizeof label);
	}
	snprintf(buf, cap, "%s: %s", web_msg(lang, M_DECLARED), label);
	return buf;
}

const char *web_bi(enum web_lang lang, const char *text, char *buf, size_t cap)
{
	return bi_half(text, lang == WEB_LANG_EN, buf, cap);
}

static bool has_non_ascii(const char *s)
{
	return bi_has_non_ascii(s);
}

const char *web_finding_title(enum web_lang lang, const char *title, const char *cve,
			      const char *kind, char *buf, size_t cap)
{
	const char *t = web_bi(lang, title, buf, cap);
	char words[256], found[32];
	size_t n = 0;

	if (lang != WEB_LANG_EN)
		return t;
	/* no CVE given (a rating deduction): the one the title names, if any */
	const char *c = !cve && title ? strstr(title, "CVE-") : NULL;
	if (c) {
		size_t k = 4;
		while (c[k] && (isdigit((unsigned char)c[k]) || c[k] == '-') &&
		       k + 1 < sizeof(found))
			k++;
		snprintf(found, sizeof(found), "%.*s", (int)k, c);
		cve = k > 9 ? found : NULL;
	}
	if (!has_non_ascii(t)) {
		/* the English half names the product, not the CVE: put the CVE in front */
		if (cve && cve[0] && !strstr(t, cve)) {
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s %s", cve, t);
			snprintf(buf, cap, "%s", tmp);
			return buf;
		}
		return t;
	}
	/* the ASCII words of a Japanese-only title: product names, "telnet"; a leading CVE id
	 * goes, it comes last */
	bi_ascii_words(t, words, sizeof(words));
	size_t cl = cve ? strlen(cve) : 0;
	if (cl && strncmp(words, cve, cl) == 0 && (words[cl] == ' ' || !words[cl])) {
		const char *rest = words + cl + (words[cl] ? 1 : 0);
		memmove(words, rest, strlen(rest) + 1);
	}
	n = strlen(words);
	snprintf(buf, cap, "%s%s%s%s%s", words, n ? ": " : "", web_code(lang, kind ? kind : ""),
		 cve && cve[0] ? " " : "", cve ? cve : "");
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

const char *web_msg(enum web_lang lang, enum web_msg m)
{
	const char *s;

	if ((int)m < 0 || m >= M_COUNT)
		return "?";
	s = msgs[m][lang == WEB_LANG_EN ? 1 : 0];
	return s ? s : "?";
}
