/*
 * rules.c - the precursor vocabulary: one table of (class, rule, pattern, weight, reason) in
 * Japanese, English and Russian, compiled once into a Hyperscan database over normalised text
 * (patterns are normalised with sns_norm like the posts; ASCII words on word boundaries).
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "sns/hs_lazy.h"
#include "sns/sns_int.h"

/* literal: the pattern is text (normalised, escaped here); else a Hyperscan regex. */
const struct sns_rule sns_rules[] = {
    /* ddos-target: announcements, target lists, proof links */
    {SNS_C_DDOS, "ddos-word", "ddos", true, 0.7, "DDoS の語 / the word DDoS"},
    {SNS_C_DDOS, "ddos-ja", "dos攻撃", true, 0.7, "DoS攻撃の語 / DoS attack"},
    {SNS_C_DDOS, "attack-notice-ja", "攻撃予告", true, 0.8, "攻撃予告 / attack announcement"},
    {SNS_C_DDOS, "cyberattack-ja", "サイバー攻撃", true, 0.5, "サイバー攻撃 / cyber attack"},
    {SNS_C_DDOS, "ddos-ru", "ддос", true, 0.7, "ДДоС (ru)"},
    {SNS_C_DDOS, "attack-ru", "атак", true, 0.6, "атака (ru): attack"},
    {SNS_C_DDOS, "targets-ru", "цел", true, 0.5, "цели (ru): targets"},
    {SNS_C_DDOS, "target-en", "\\btargets?\\b", false, 0.5, "target(s) / 標的"},
    {SNS_C_DDOS, "check-host", "check-host.net", true, 0.8,
     "check-host.net の結果リンク (攻撃の「証拠」) / check-host.net report link as proof"},
    {SNS_C_DDOS, "op-tag", "#op[a-z0-9_]{2,}", false, 0.7, "#Op… 作戦タグ / #Op campaign tag"},
    {SNS_C_DDOS, "tango-down", "tango down", true, 0.8, "tango down"},
    {SNS_C_DDOS, "noname", "noname057", true, 0.8, "NoName057(16)"},
    {SNS_C_DDOS, "killnet", "killnet", true, 0.7, "Killnet"},
    /* leak: leak sites, ransom, access sales */
    {SNS_C_LEAK, "leak-en", "\\bleak(s|ed)?\\b", false, 0.6, "leak / 漏えい"},
    {SNS_C_LEAK, "published-en", "data will be published", true, 0.8,
     "data will be published / 公開予告"},
    {SNS_C_LEAK, "countdown", "countdown", true, 0.5, "countdown / カウントダウン"},
    {SNS_C_LEAK, "ransom-en", "\\bransom(ware)?\\b", false, 0.7, "ransom(ware) / ランサムウェア"},
    {SNS_C_LEAK, "lockbit", "lockbit", true, 0.8, "LockBit"},
    {SNS_C_LEAK, "leak-ja", "情報漏", true, 0.7, "情報漏えい / data leak"},
    {SNS_C_LEAK, "outflow-ja", "流出", true, 0.6, "流出 / leaked"},
    {SNS_C_LEAK, "ransom-ja", "ランサム", true, 0.7, "ランサム / ransom"},
    {SNS_C_LEAK, "ransom-pay-ja", "身代金", true, 0.7, "身代金 / ransom"},
    {SNS_C_LEAK, "leak-ru", "утечк", true, 0.7, "утечка (ru): leak"},
    {SNS_C_LEAK, "dump-ru", "слив", true, 0.6, "слив (ru): dump"},
    {SNS_C_LEAK, "access-sale", "(sell|selling|sale|wts)[^\\n]{0,40}(access|rdp|vpn|shell)", false,
     0.8, "アクセス権の販売 / access for sale"},
    {SNS_C_LEAK, "db-dump", "(db|database|sql) ?dump", false, 0.7, "DB dump / データベース流出"},
    {SNS_C_LEAK, "access-sale-ru", "доступ", true, 0.5, "доступ (ru): access"},
    {SNS_C_LEAK, "access-sale-ja", "初期アクセス", true, 0.7,
     "初期アクセスの販売 / initial access"},
    /* outage: complaints */
    {SNS_C_OUTAGE, "down-ja", "落ちて", true, 0.6, "落ちてる / down"},
    {SNS_C_OUTAGE, "down2-ja", "落ちた", true, 0.6, "落ちた / went down"},
    {SNS_C_OUTAGE, "noconn-ja", "繋がらない", true, 0.7, "繋がらない / cannot connect"},
    {SNS_C_OUTAGE, "noconn2-ja", "つながらない", true, 0.7, "つながらない / cannot connect"},
    {SNS_C_OUTAGE, "nologin-ja", "ログインできない", true, 0.7, "ログインできない / cannot log in"},
    {SNS_C_OUTAGE, "noaccess-ja", "アクセスできない", true, 0.7,
     "アクセスできない / cannot access"},
    {SNS_C_OUTAGE, "noreserve-ja", "予約できない", true, 0.6, "予約できない / cannot book"},
    {SNS_C_OUTAGE, "noopen-ja", "開かない", true, 0.5, "開かない / does not open"},
    {SNS_C_OUTAGE, "nodisplay-ja", "表示されない", true, 0.5, "表示されない / not shown"},
    {SNS_C_OUTAGE, "error-ja", "エラー", true, 0.5, "エラー / error"},
    {SNS_C_OUTAGE, "failure-ja", "障害", true, 0.6, "障害 / failure"},
    {SNS_C_OUTAGE, "bug-ja", "不具合", true, 0.5, "不具合 / malfunction"},
    {SNS_C_OUTAGE, "stopped-ja", "止まって", true, 0.5, "止まってる / stopped"},
    {SNS_C_OUTAGE, "server-down-ja", "サーバーダウン", true, 0.7, "サーバーダウン / server down"},
    {SNS_C_OUTAGE, "down-en", "(is|site|website|app|server) (down|not working)", false, 0.6,
     "down / not working"},
    {SNS_C_OUTAGE, "outage-en", "outage", true, 0.6, "outage / 障害"},
    {SNS_C_OUTAGE, "down-ru", "не работает", true, 0.6, "не работает (ru): not working"},
    /* exploit: CVEs, exploits, products */
    {SNS_C_EXPLOIT, "cve", "cve-[0-9]{4}-[0-9]{4,7}", false, 0.7, "CVE 番号 / a CVE id"},
    {SNS_C_EXPLOIT, "exploit-en", "\\bexploit(s|ed|able)?\\b", false, 0.7,
     "exploit / エクスプロイト"},
    {SNS_C_EXPLOIT, "poc", "poc", true, 0.6, "PoC"},
    {SNS_C_EXPLOIT, "0day", "0day", true, 0.7, "0day / ゼロデイ"},
    {SNS_C_EXPLOIT, "zeroday", "zero-day", true, 0.7, "zero-day / ゼロデイ"},
    {SNS_C_EXPLOIT, "rce", "rce", true, 0.6, "RCE / 遠隔コード実行"},
    {SNS_C_EXPLOIT, "vuln-ja", "脆弱性", true, 0.6, "脆弱性 / vulnerability"},
    {SNS_C_EXPLOIT, "exploit-ja", "エクスプロイト", true, 0.7, "エクスプロイト / exploit"},
    {SNS_C_EXPLOIT, "zeroday-ja", "ゼロデイ", true, 0.7, "ゼロデイ / zero-day"},
    {SNS_C_EXPLOIT, "vuln-ru", "уязвимост", true, 0.6, "уязвимость (ru): vulnerability"},
    {SNS_C_EXPLOIT, "exploit-ru", "эксплойт", true, 0.7, "эксплойт (ru): exploit"},
};
const size_t sns_n_rules = ARRAY_SIZE(sns_rules);

/*
 * Negated complaints (outage class only): a complaint word followed (or, in English, preceded)
 * by one of these on the normalised text is not a complaint: 「落ちてない」, 「繋がらないことは
 * ない」, 「障害はありません」, "no outage". Patterns are normalised like the text (so
 * 「ない」 matches ナイ too) and must touch the complaint word (one space allowed). A negation
 * ending in ない that is followed by a question mark or か is a question, which in Japanese
 * is a complaint: 「落ちてない？」 ("isn't it down?") still counts. No morphological analysis:
 * other forms (「落ちてるわけない」, a negation further away, sarcasm) are not recognised
 * (docs/SNS.md#negation).
 */
static const char *const neg_te[] = {"ない",	 "ないです", "なかった", "なく", "いない",
				     "いません", "ません",   "へん",	 "ねえ", NULL};
static const char *const neg_nai[] = {"ことはない",	  "ことない",	    "ことはなかった",
				      "ことはありません", "わけではない",   "わけじゃない",
				      "わけでもない",	  "ってことはない", NULL};
static const char *const neg_noun[] = {"なし",
				       "はない",
				       "はなし",
				       "はなく",
				       "はありません",
				       "ではない",
				       "じゃない",
				       "は発生していない",
				       "が発生していない",
				       "は発生しておりません",
				       "は起きていない",
				       "は起きてない",
				       "は出ていない",
				       "は出てない",
				       "は確認されていない",
				       "ゼロ",
				       NULL};
static const char *const neg_ta[] = {"わけではない", "わけじゃない", "ことはない", "ことない",
				     NULL};
static const char *const neg_down[] = {"ではない", "じゃない", "してない", "していない", NULL};
static const char *const neg_en_before[] = {"no", "not an", "not a", "without", "zero", NULL};

const struct sns_negation sns_negations[] = {
    {"down-ja", false, neg_te, "「落ちてない」等 / 'not down'"},
    {"stopped-ja", false, neg_te, "「止まってない」等 / 'not stopped'"},
    {"down2-ja", false, neg_ta, "「落ちたわけではない」等 / 'did not go down'"},
    {"noconn-ja", false, neg_nai, "「繋がらないことはない」等 / double negation"},
    {"noconn2-ja", false, neg_nai, "「つながらないことはない」等 / double negation"},
    {"nologin-ja", false, neg_nai, "「ログインできないことはない」等 / double negation"},
    {"noaccess-ja", false, neg_nai, "「アクセスできないわけではない」等 / double negation"},
    {"noreserve-ja", false, neg_nai, "「予約できないことはない」等 / double negation"},
    {"noopen-ja", false, neg_nai, "「開かないことはない」等 / double negation"},
    {"nodisplay-ja", false, neg_nai, "「表示されないことはない」等 / double negation"},
    {"failure-ja", false, neg_noun, "「障害なし」「障害はありません」等 / 'no failure'"},
    {"bug-ja", false, neg_noun, "「不具合なし」等 / 'no malfunction'"},
    {"error-ja", false, neg_noun, "「エラーなし」等 / 'no error'"},
    {"server-down-ja", false, neg_down, "「サーバーダウンではない」等 / 'not a server down'"},
    {"outage-en", true, neg_en_before, "'no outage', 'not an outage' / 障害なし"},
};
const size_t sns_n_negations = ARRAY_SIZE(sns_negations);

static const char *const class_names[] = {"ddos-target", "leak", "outage", "exploit"};

const char *sns_class_name(enum sns_class c)
{
	return (size_t)c < ARRAY_SIZE(class_names) ? class_names[c] : "?";
}

int sns_class_parse(const char *s, enum sns_class *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (s && !strcmp(s, class_names[i])) {
			*out = (enum sns_class)i;
			return 0;
		}
	return M_EINVAL;
}

static hs_database_t *lex_db;
static int lex_rc;
/* The normalised negation patterns (per row of sns_negations, NULL-terminated) and the
 * normalised length of each literal rule (where its match starts: end - length). */
static char ***neg_norm;
static size_t *lit_len;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A literal as a regex over normalised text: metacharacters escaped, \b at ASCII edges. */
static int lit_regex(const char *lit, struct buf *out)
{
	struct buf nb;
	buf_init(&nb, 4096);
	int rc = sns_norm(lit, strlen(lit), &nb);
	const unsigned char *p = (const unsigned char *)buf_str(&nb);
	size_t n = nb.len;
	if (!rc && n && word_char(p[0]))
		rc = buf_adds(out, "\\b");
	for (size_t i = 0; !rc && i < n; i++) {
		if (p[i] < 0x80 && !word_char(p[i]) && p[i] != ' ')
			rc = buf_addf(out, "\\x%02x", p[i]);
		else
			rc = buf_addc(out, (char)p[i]);
	}
	if (!rc && n && word_char(p[n - 1]))
		rc = buf_adds(out, "\\b");
	buf_release(&nb);
	return rc;
}

static void lex_build(void)
{
	const char **ex = m_calloc(sns_n_rules, sizeof *ex);
	unsigned *fl = m_calloc(sns_n_rules, sizeof *fl), *ids = m_calloc(sns_n_rules, sizeof *ids);
	struct buf *bufs = m_calloc(sns_n_rules, sizeof *bufs);
	neg_norm = m_calloc(sns_n_negations, sizeof *neg_norm);
	lit_len = m_calloc(sns_n_rules, sizeof *lit_len);
	if (!ex || !fl || !ids || !bufs || !neg_norm || !lit_len) {
		lex_rc = M_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sns_n_rules; i++) {
		buf_init(&bufs[i], 4096);
		if (sns_rules[i].literal)
			lex_rc = lit_regex(sns_rules[i].pattern, &bufs[i]);
		else
			lex_rc = buf_adds(&bufs[i], sns_rules[i].pattern);
		if (lex_rc)
			goto out;
		ex[i] = buf_str(&bufs[i]);
		/* every complaint is reported (each may be negated on its own) */
		fl[i] = HS_FLAG_UTF8 |
			(sns_rules[i].cls == SNS_C_OUTAGE ? 0u : (unsigned)HS_FLAG_SINGLEMATCH);
		ids[i] = (unsigned)i;
		if (sns_rules[i].literal) {
			struct buf nb;
			buf_init(&nb, 4096);
			if (!(lex_rc = sns_norm(sns_rules[i].pattern, strlen(sns_rules[i].pattern),
						&nb)))
				lit_len[i] = nb.len;
			buf_release(&nb);
			if (lex_rc)
				goto out;
		}
	}
	for (size_t k = 0; k < sns_n_negations; k++) {
		size_t n = 0;
		while (sns_negations[k].patterns[n])
			n++;
		if (!(neg_norm[k] = m_calloc(n + 1, sizeof *neg_norm[k]))) {
			lex_rc = M_ENOMEM;
			goto out;
		}
		for (size_t j = 0; j < n; j++) {
			struct buf nb;
			buf_init(&nb, 4096);
			const char *pt = sns_negations[k].patterns[j];
			if ((lex_rc = sns_norm(pt, strlen(pt), &nb)) ||
			    !(neg_norm[k][j] = m_strndup(buf_str(&nb), nb.len)))
				lex_rc = lex_rc ? lex_rc : M_ENOMEM;
			buf_release(&nb);
			if (lex_rc)
				goto out;
		}
	}
	hs_compile_error_t *ce = NULL;
	if (hs_compile_multi(ex, fl, ids, (unsigned)sns_n_rules, HS_MODE_BLOCK, NULL, &lex_db,
			     &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		lex_rc = M_EINVAL;
	}
out:
	for (size_t i = 0; bufs && i < sns_n_rules; i++)
		buf_release(&bufs[i]);
	m_free(bufs);
	m_free(ex);
	m_free(fl);
	m_free(ids);
}

struct lex_scan {
	struct sns_lex_hits *h;
	const char *norm;
	size_t len;
};

static bool starts(const char *p, size_t n, const char *pat, size_t *pl)
{
	*pl = strlen(pat);
	return *pl <= n && !memcmp(p, pat, *pl);
}

/* Whether the complaint of rule id ending at byte `to` of the text is negated (row k). */
static bool negated_by(const struct lex_scan *x, size_t k, unsigned id, size_t to)
{
	const struct sns_negation *ng = &sns_negations[k];
	const char *t = x->norm;
	size_t pl;
	if (!ng->before) {
		size_t at = to < x->len && t[to] == ' ' ? to + 1 : to;
		for (char **p = neg_norm[k]; *p; p++) {
			if (!starts(t + at, x->len - at, *p, &pl))
				continue;
			size_t end = at + pl;
			/* 「…ない？」「…ないか」: a question, which complains */
			bool nai = pl >= 3 && !memcmp(*p + pl - 3, "\xe3\x81\x84", 3);
			if (nai && end < x->len &&
			    (t[end] == '?' ||
			     (x->len - end >= 3 && !memcmp(t + end, "\xe3\x81\x8b", 3))))
				continue;
			return true;
		}
		return false;
	}
	if (!sns_rules[id].literal || lit_len[id] > to)
		return false;
	size_t from = to - lit_len[id];
	if (from && t[from - 1] == ' ')
		from--;
	for (char **p = neg_norm[k]; *p; p++) {
		pl = strlen(*p);
		if (pl <= from && !memcmp(t + from - pl, *p, pl) &&
		    (from == pl || t[from - pl - 1] == ' ' ||
		     (unsigned char)t[from - pl - 1] >= 0x80))
			return true;
	}
	return false;
}

static int on_lex(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	struct lex_scan *x = ctx;
	struct sns_lex_hits *h = x->h;
	(void)from;
	(void)flags;
	if (sns_rules[id].cls == SNS_C_OUTAGE) {
		for (size_t k = 0; k < sns_n_negations; k++) {
			if (strcmp(sns_negations[k].rule, sns_rules[id].id) ||
			    !negated_by(x, k, id, (size_t)to))
				continue;
			bool have = false;
			for (size_t i = 0; i < h->n_negated; i++)
				have |= h->negated[i] == id;
			if (!have && h->n_negated < ARRAY_SIZE(h->negated))
				h->negated[h->n_negated++] = (unsigned short)id;
			return 0;
		}
		for (size_t i = 0; i < h->n; i++)
			if (h->rule[i] == id)
				return 0; /* counted once */
	}
	if (h->n < ARRAY_SIZE(h->rule))
		h->rule[h->n++] = (unsigned short)id;
	h->classes |= 1u << sns_rules[id].cls;
	return 0;
}

int sns_lex_scratch(hs_scratch_t **sc)
{
	pthread_once(&lex_once, lex_build);
	if (lex_rc)
		return lex_rc;
	return hs_alloc_scratch(lex_db, sc) == HS_SUCCESS ? 0 : M_ENOMEM;
}

int sns_lex_scan(hs_scratch_t *sc, const char *norm, size_t len, struct sns_lex_hits *h)
{
	memset(h, 0, sizeof *h);
	pthread_once(&lex_once, lex_build);
	if (lex_rc)
		return lex_rc;
	struct lex_scan x = {h, norm, len};
	return hs_scan(lex_db, norm, (unsigned)len, 0, sc, on_lex, &x) == HS_SUCCESS ? 0 : M_EINVAL;
}

static const struct {
	const char *rule, *ja, *en;
} rule_labels[] = {
    {"ddosia-list", "DDoSia の標的リストに掲載", "on the DDoSia target list"},
    {"ddos-announcement", "DDoS 攻撃の予告・犯行声明", "DDoS attack announced or claimed"},
    {"leak-site-post", "リークサイトへの掲載", "posted on a leak site"},
    {"leak-claim", "情報漏えい・身代金の主張", "data leak or ransom claimed"},
    {"outage-burst", "障害を訴える投稿の急増", "burst of posts about an outage"},
    {"exploit-cve-open-finding", "未対応の指摘の CVE が悪用の話題に",
     "exploitation talk about a CVE of an open finding"},
    {"exploit-product", "利用製品の悪用の話題", "exploitation talk about a product in use"},
    {"exploit-chatter", "悪用の話題", "exploitation chatter"},
};

const char *sns_rule_label(const char *rule, bool en)
{
	for (size_t i = 0; rule && i < ARRAY_SIZE(rule_labels); i++)
		if (!strcmp(rule, rule_labels[i].rule))
			return en ? rule_labels[i].en : rule_labels[i].ja;
	return rule ? rule : "";
}
