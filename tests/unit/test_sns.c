/* test_sns.c - SNS monitoring: the Japanese matching key, entity offsets (code points for X,
 * UTF-16 for Telegram), every ingest format, the matcher's boundaries, refused regexes, the
 * Poisson test, and an import with a bad record in the middle (the good ones stored). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "base/buf.h"
#include "incident/incident.h"
#include "inventory/inventory.h"
#include "sns/sns.h"
#include "sns/hs_lazy.h"
#include "sns/sns_int.h"
#include "store/store.h"
#include "testutil.h"

static char *norm(const char *s)
{
	struct buf b;
	buf_init(&b, 0);
	assert_int_equal(sns_norm(s, strlen(s), &b), 0);
	return buf_detach(&b, NULL);
}

static void assert_same_key(const char *a, const char *b)
{
	char *x = norm(a), *y = norm(b);
	if (strcmp(x, y))
		fail_msg("'%s' -> '%s' but '%s' -> '%s'", a, x, b, y);
	free(x);
	free(y);
}

static void test_norm_japanese(void **state)
{
	(void)state;
	assert_same_key("ｶﾝｻｲ", "カンサイ");
	assert_same_key("カンサイ", "かんさい");
	assert_same_key("ＪＲ東日本", "jr東日本");
	assert_same_key("髙島屋", "高島屋");
	assert_same_key("川﨑", "川崎");
	assert_same_key("ﾄｳｷｮｳﾒﾄﾛ", "とうきょうめとろ");
	assert_same_key("センター", "せんた");	     /* long vowel dropped after kana */
	assert_same_key("キャッシュ", "きやつしゆ"); /* small kana folded */
	assert_same_key("ＴＯＫＹＯ　ＭＥＴＲＯ", "tokyo metro");
	assert_same_key("東京　メトロ", "東京メトロ"); /* no space between Japanese words */
	assert_same_key("ｼｽﾃﾑ障害", "システム障害");
	assert_same_key("ガ", "ｶﾞ"); /* half-width voiced mark composed */
	char *x = norm("東京地下鉄（株）");
	assert_string_equal(x, "東京地下鉄(株)");
	free(x);
	/* invalid UTF-8 becomes U+FFFD, never a crash */
	x = norm("a\xff\xfe"
		 "b");
	assert_string_equal(x, "a\xef\xbf\xbd\xef\xbf\xbd"
			       "b");
	free(x);
	/* a different word stays different */
	char *a = norm("かんさい"), *b = norm("かんとう");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_offsets(void **state)
{
	(void)state;
	size_t off, n;
	/* X: code points. 🚇 is one code point (two UTF-16 units, four bytes). */
	const char *x = "🚇東京メトロ #運休 です";
	assert_true(sns_slice_cp(x, strlen(x), 7, 10, &off, &n));
	assert_int_equal(n, strlen("#運休"));
	assert_memory_equal(x + off, "#運休", n);
	/* Telegram: UTF-16 code units; the emoji counts two. */
	const char *t = "🚇 障害 https://www.tokyometro.jp/info 詳細";
	assert_true(sns_slice_utf16(t, strlen(t), 6, 30, &off, &n));
	assert_int_equal(n, strlen("https://www.tokyometro.jp/info"));
	assert_memory_equal(t + off, "https://www.tokyometro.jp/info", n);
	/* inside a surrogate pair, or past the end: refused */
	assert_false(sns_slice_utf16(t, strlen(t), 1, 2, &off, &n));
	assert_false(sns_slice_cp(x, strlen(x), 5, 400, &off, &n));
	char h[] = "A &amp; B &lt;3 &#x6771;&#20140; &bogus;";
	size_t l = sns_html_decode(h, strlen(h));
	h[l] = 0;
	assert_string_equal(h, "A & B <3 東京 &bogus;");
}

struct got {
	int n;
	char text[8][512];
	char id[8][128];
	char host[8][128];
	char url[8][256];
	char hashtag[8][64];
	char version[8][64];
	int64_t t[8];
};

static int collect(struct sns_post *p, void *arg)
{
	struct got *g = arg;
	if (g->n >= 8)
		return 0;
	snprintf(g->text[g->n], sizeof g->text[0], "%s", p->text);
	snprintf(g->id[g->n], sizeof g->id[0], "%s", p->post_id);
	snprintf(g->version[g->n], sizeof g->version[0], "%s", p->version ? p->version : "");
	snprintf(g->host[g->n], sizeof g->host[0], "%s", p->hostnames.n ? p->hostnames.v[0] : "");
	snprintf(g->url[g->n], sizeof g->url[0], "%s", p->urls.n ? p->urls.v[0] : "");
	snprintf(g->hashtag[g->n], sizeof g->hashtag[0], "%s",
		 p->hashtags.n ? p->hashtags.v[0] : "");
	assert_int_equal(strlen(p->raw_sha256), 64);
	g->t[g->n++] = p->created_at;
	return 0;
}

static int parse(enum sns_format f, const char *rec, struct got *g, struct merr *e)
{
	struct sns_parse_ctx c = {.fmt = f, .file = "t.json", .line = 3, .offset = 100};
	char *b = strdup(rec);
	memset(g, 0, sizeof *g);
	int rc = sns_parse_record(&c, b, strlen(b), collect, g, e);
	free(b);
	return rc;
}

static void test_parse_x(void **state)
{
	(void)state;
	struct got g;
	struct merr e;
	merr_init(&e);
	/* a page: retweet resolved through includes, note_tweet preferred, edits as versions */
	const char *page =
	    "{\"data\":[{\"id\":\"2\",\"text\":\"RT @a: "
	    "東京メトロ…\",\"created_at\":\"2024-07-18T08:20:06.000Z\","
	    "\"author_id\":\"9\",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"1\"}],"
	    "\"edit_history_tweet_ids\":[\"2\"]},"
	    "{\"id\":\"5\",\"text\":\"short\",\"note_tweet\":{\"text\":\"長い投稿 &amp; 障害 "
	    "#運休\","
	    "\"entities\":{\"hashtags\":[{\"start\":11,\"end\":14,\"tag\":\"運休\"}]}},"
	    "\"created_at\":\"2024-07-18T09:00:00Z\",\"edit_history_tweet_ids\":[\"4\",\"5\"],"
	    "\"entities\":{\"urls\":[{\"start\":0,\"end\":5,\"url\":\"https://t.co/x\","
	    "\"expanded_url\":\"https://WWW.TokyoMetro.jp/news\"}]}}],"
	    "\"includes\":{\"users\":[{\"id\":\"9\",\"username\":\"u9\"}],\"tweets\":[{\"id\":"
	    "\"1\","
	    "\"text\":\"東京メトロ 全線 見合わせ "
	    "&lt;続報&gt;\",\"created_at\":\"2024-07-18T08:00:00Z\"}]},"
	    "\"meta\":{\"result_count\":2},\"errors\":[{\"title\":\"Not Found Error\"}]}";
	assert_int_equal(parse(SNS_FMT_X, page, &g, &e), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.text[0], "東京メトロ 全線 見合わせ <続報>");
	assert_string_equal(g.text[1], "長い投稿 & 障害 #運休");
	assert_string_equal(g.id[1], "4");
	assert_string_equal(g.version[1], "5");
	assert_string_equal(g.hashtag[1], "運休");
	assert_string_equal(g.host[1], "www.tokyometro.jp");
	/* a stream line */
	assert_int_equal(
	    parse(SNS_FMT_XSTREAM,
		  "{\"data\":{\"id\":\"7\",\"text\":\"x\",\"created_at\":\"2024-01-01T00:00:00Z\"},"
		  "\"matching_rules\":[{\"id\":\"1\",\"tag\":\"jp\"}]}",
		  &g, &e),
	    0);
	assert_int_equal(g.n, 1);
	/* a post without created_at: the field is named */
	merr_init(&e);
	assert_int_equal(parse(SNS_FMT_X, "{\"data\":[{\"id\":\"1\",\"text\":\"a\"}]}", &g, &e),
			 M_EPARSE);
	assert_string_equal(e.field, "data[0].created_at");
	assert_int_equal(e.line, 3);
	assert_int_equal(g.n, 0);
}

static void test_parse_telegram(void **state)
{
	(void)state;
	struct got g;
	struct merr e;
	merr_init(&e);
	const char *upd =
	    "{\"update_id\":1,\"channel_post\":{\"message_id\":42,\"date\":1721290806,"
	    "\"chat\":{\"id\":-100123,\"type\":\"channel\",\"title\":\"NoName\",\"username\":"
	    "\"nn\"},"
	    "\"text\":\"🚇 障害 https://www.tokyometro.jp/info #OpJapan\","
	    "\"entities\":[{\"type\":\"url\",\"offset\":6,\"length\":30},{\"type\":\"hashtag\","
	    "\"offset\":37,"
	    "\"length\":8}]}}";
	assert_int_equal(parse(SNS_FMT_TGBOT, upd, &g, &e), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.url[0], "https://www.tokyometro.jp/info");
	assert_string_equal(g.hashtag[0], "OpJapan");
	assert_string_equal(g.id[0], "-100123/42");
	assert_int_equal(g.t[0], 1721290806);
	/* getUpdates reply with an edit */
	assert_int_equal(
	    parse(SNS_FMT_TGBOT,
		  "{\"ok\":true,\"result\":[{\"update_id\":2,\"edited_message\":{\"message_id\":1,"
		  "\"date\":1,\"edit_date\":5,\"chat\":{\"id\":7},\"text\":\"x\"}}]}",
		  &g, &e),
	    0);
	assert_string_equal(g.version[0], "5");
	/* Telethon */
	assert_int_equal(
	    parse(
		SNS_FMT_TELETHON,
		"{\"_\":\"Message\",\"id\":3,\"peer_id\":{\"_\":\"PeerChannel\",\"channel_id\":77},"
		"\"date\":\"2024-07-18T08:20:06+00:00\",\"message\":\"𝐃𝐃𝐨𝐒 jreast.co.jp\","
		"\"entities\":[{\"_\":\"MessageEntityUrl\",\"offset\":9,\"length\":12}]}",
		&g, &e),
	    0);
	assert_string_equal(g.url[0], "jreast.co.jp");
	assert_string_equal(g.host[0], "jreast.co.jp");
	/* Telegram Desktop export with text as an array and an invalid \x escape */
	const char *tgx =
	    "{\"name\":\"ch\",\"type\":\"public_channel\",\"id\":55,\"messages\":["
	    "{\"id\":1,\"type\":\"message\",\"date\":\"2024-07-18T17:20:06\","
	    "\"date_unixtime\":\"1721290806\",\"text\":[\"攻撃予告 \",{\"type\":\"link\","
	    "\"text\":\"https://check-host.net/check-report/1\"},\" \\x07end\"],"
	    "\"text_entities\":[{\"type\":\"link\",\"text\":\"https://check-host.net/check-report/"
	    "1\"}]},"
	    "{\"id\":2,\"type\":\"service\",\"date_unixtime\":\"1\"}]}";
	assert_int_equal(parse(SNS_FMT_TGEXPORT, tgx, &g, &e), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.text[0], "攻撃予告 https://check-host.net/check-report/1 \aend");
	assert_string_equal(g.id[0], "55/1");
	assert_int_equal(g.t[0], 1721290806);
	/* a wrong type names its field */
	merr_init(&e);
	assert_int_equal(
	    parse(SNS_FMT_TGBOT, "{\"update_id\":1,\"message\":{\"message_id\":\"x\"}}", &g, &e),
	    M_EPARSE);
	assert_string_equal(e.field, "message.message_id");
}

static void test_parse_feeds(void **state)
{
	(void)state;
	struct got g;
	struct merr e;
	merr_init(&e);
	assert_int_equal(
	    parse(SNS_FMT_DDOSIA,
		  "{\"source_file\":\"09-06-2023_14-15-18_DDoSia-target-list-full.json\","
		  "\"randoms\":[],\"targets\":[{\"host\":\"www.munich-airport.de/"
		  "www.munich-airport.de\"},"
		  "{\"host\":\"WWW.Port-of-Hakata.or.jp\"}]}",
		  &g, &e),
	    0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.host[0], "www.munich-airport.de");
	assert_true(strstr(g.text[0], "www.port-of-hakata.or.jp") != NULL);
	assert_int_equal(g.t[0], 1686320118); /* 2023-06-09T14:15:18Z, day first */
	assert_int_equal(
	    parse(SNS_FMT_DDOSIA,
		  "{\"source_file\":\"2023-10-29_12-45-00_DDoSia-target-list-full.json\","
		  "\"targets\":null}",
		  &g, &e),
	    0);
	assert_int_equal(g.n, 1);
	assert_int_equal(
	    parse(SNS_FMT_RANSOMWATCH,
		  "{\"post_title\":\"nagoya-port.example\",\"group_name\":\"lockbit3\","
		  "\"discovered\":\"2023-07-04 09:12:44.123456\"}",
		  &g, &e),
	    0);
	assert_string_equal(g.id[0], "lockbit3:nagoya-port.example");
	assert_int_equal(
	    parse(SNS_FMT_JSONL,
		  "{\"platform\":\"x\",\"post_id\":\"1\",\"created_at\":\"2024-07-18T08:20:06Z\","
		  "\"text\":\"t\",\"hostnames\":[\"A.B.jp\"]}",
		  &g, &e),
	    0);
	assert_string_equal(g.host[0], "a.b.jp");
	merr_init(&e);
	assert_int_equal(
	    parse(SNS_FMT_JSONL, "{\"platform\":\"x\",\"post_id\":1,\"text\":\"t\"}", &g, &e),
	    M_EPARSE);
	assert_string_equal(e.field, "post_id");
	merr_init(&e);
	assert_int_equal(parse(SNS_FMT_JSONL, "{\"platform\":", &g, &e), M_EPARSE);
	assert_int_equal(e.line, 3);
}

struct mhits {
	int n;
	size_t term[16];
};

static int on_hit(size_t term, void *arg)
{
	struct mhits *h = arg;
	if (h->n < 16)
		h->term[h->n++] = term;
	return 0;
}

static int match_n(const struct sns_matcher *m, struct sns_scratch *sc, const char *text)
{
	struct mhits h = {0};
	char *k = norm(text);
	assert_int_equal(sns_match(m, sc, k, strlen(k), on_hit, &h), 0);
	free(k);
	return h.n;
}

static void test_matcher(void **state)
{
	(void)state;
	struct sns_terms t = {0};
	struct sns_matcher *m = NULL;
	struct sns_scratch *sc = NULL;
	assert_int_equal(sns_terms_add(&t, "nagoya", "port-of-nagoya.jp", SNS_K_DOMAIN, true, 0),
			 0);
	assert_int_equal(sns_terms_add(&t, "kansai", "カンサイ", SNS_K_NAME, true, 0), 0);
	assert_int_equal(sns_terms_add(&t, "jre", "ＪＲ東日本", SNS_K_ALIAS, true, 0), 0);
	assert_int_equal(sns_terms_add(&t, "kanto", "KPR", SNS_K_ALIAS, true, 0), 0);
	assert_int_equal(sns_terms_add(&t, "x", "あ", SNS_K_NAME, true, 0),
			 0); /* too short: skipped */
	assert_int_equal(sns_terms_add(&t, "rx", "metro[0-9]+", SNS_K_REGEX, false, 1), 0);
	assert_int_equal(t.n, 5);
	assert_int_equal(sns_matcher_build(&t, &m, NULL), 0);
	assert_int_equal(sns_scratch_new(m, &sc, NULL), 0);
	assert_int_equal(match_n(m, sc, "https://www.port-of-nagoya.jp/ down"), 1);
	assert_int_equal(match_n(m, sc, "PORT-OF-NAGOYA.JP"), 1);
	assert_int_equal(match_n(m, sc, "notport-of-nagoya.jp"), 0);
	assert_int_equal(match_n(m, sc, "port-of-nagoya.jp.evil.example"), 0);
	assert_int_equal(match_n(m, sc, "ｶﾝｻｲの障害"), 1);
	assert_int_equal(match_n(m, sc, "かんさい"), 1);
	assert_int_equal(match_n(m, sc, "jr東日本が止まった"), 1);
	assert_int_equal(match_n(m, sc, "KPR down"), 1);
	assert_int_equal(match_n(m, sc, "KPRX down"), 0); /* ASCII word boundary */
	assert_int_equal(match_n(m, sc, "metro42"), 1);
	sns_scratch_free(sc);
	sns_matcher_free(m);
	sns_terms_free(&t);
}

static void test_regex_refused(void **state)
{
	(void)state;
	struct merr e;
	merr_init(&e);
	assert_int_equal(sns_regex_check("(a+)+\\1", &e), M_EINVAL); /* back-reference */
	merr_init(&e);
	assert_int_equal(sns_regex_check("(?<=a)b", &e), M_EINVAL); /* look-behind */
	merr_init(&e);
	assert_int_equal(sns_regex_check("a{1,5000}", &e), M_EINVAL);
	merr_init(&e);
	assert_int_equal(sns_regex_check("x*", &e), M_EINVAL); /* matches the empty string */
	assert_int_equal(sns_regex_check("(a+)+b", NULL), 0);  /* no backtracking in Hyperscan */
	assert_int_equal(sns_regex_check("東京メトロ.{0,20}障害", NULL), 0);
}

static void test_poisson(void **state)
{
	(void)state;
	assert_true(fabs(sns_poisson_tail(0, 2.0) - 1.0) < 1e-12);
	assert_true(fabs(sns_poisson_tail(1, 2.0) - (1 - exp(-2.0))) < 1e-9);
	assert_true(sns_poisson_tail(5, 0.083) < 1e-4);
	assert_true(sns_poisson_tail(3, 2.0) > 0.3);
	/* near-duplicate texts are close in SimHash, different ones far */
	char *a = norm("【拡散希望】東京メトロ 全線で運転見合わせ https://t.co/aaa");
	char *b = norm("【拡散希望】東京メトロ 全線で運転見合わせ！ https://t.co/bbb");
	char *c = norm("今日の昼ごはんはカレーでした。とても美味しかった");
	uint64_t ha = sns_simhash(a, strlen(a)), hb = sns_simhash(b, strlen(b)),
		 hc = sns_simhash(c, strlen(c));
	print_message("simhash distance near %d far %d\n", __builtin_popcountll(ha ^ hb),
		      __builtin_popcountll(ha ^ hc));
	assert_true(__builtin_popcountll(ha ^ hb) <= SNS_SIMHASH_NEAR);
	assert_true(__builtin_popcountll(ha ^ hc) > SNS_SIMHASH_NEAR);
	free(a);
	free(b);
	free(c);
}

static const char inv_yaml[] =
    "version: 1\n"
    "organisations:\n"
    "  - id: tokyo-metro\n"
    "    name: { ja: 東京地下鉄株式会社, en: \"Tokyo Metro Co., Ltd.\" }\n"
    "    aliases: [東京メトロ]\n"
    "    sector: railways\n"
    "    assets: [{ domain: tokyometro.jp }]\n"
    "  - id: other\n"
    "    name: { ja: 架空運輸, en: Fictional Transport }\n"
    "    sector: railways\n"
    "    assets: [{ domain: other.test }]\n";

static int count_alert(const struct sns_alert_row *r, void *arg)
{
	int *n = arg;
	assert_string_equal(r->org, "tokyo-metro");
	(*n)++;
	return 0;
}

struct one_alert {
	char org[64], state[16];
	int64_t incident_id;
};

static int read_one(const struct sns_alert_row *r, void *arg)
{
	struct one_alert *a = arg;
	snprintf(a->org, sizeof a->org, "%s", r->org);
	snprintf(a->state, sizeof a->state, "%s", r->state);
	a->incident_id = r->incident_id;
	return 0;
}

static void test_import_partial(void **state)
{
	(void)state;
	char db[512];
	struct store *s = NULL;
	struct merr e;
	tu_path(db, sizeof db, "sns.db");
	assert_int_equal(store_open(db, &s, NULL), 0);
	const char *inv = tu_write_file("inv.yaml", inv_yaml);
	assert_int_equal(inv_import_file(s, inv, 1700000000, false, NULL, NULL), 0);
	/* line 2 is broken JSON, line 3 misses its time: both reported, 1 and 4 stored */
	const char *f = tu_write_file(
	    "p.jsonl", "{\"platform\":\"telegram\",\"post_id\":\"c/"
		       "1\",\"created_at\":\"2024-07-18T08:00:00Z\","
		       "\"text\":\"#OpJapan 東京メトロ DDoS 攻撃予告 check-host.net\"}\n"
		       "{\"platform\":\"telegram\",\"post_id\":\"c/2\",\n"
		       "{\"platform\":\"telegram\",\"post_id\":\"c/3\",\"text\":\"x\"}\n"
		       "{\"platform\":\"telegram\",\"post_id\":\"c/"
		       "4\",\"created_at\":\"2024-07-18T08:05:00Z\","
		       "\"text\":\"tokyometro.jp をターゲットに ddos 予告\"}\n");
	struct sns_import_opts o = {.fmt = SNS_FMT_AUTO, .now = 1721300000};
	struct sns_import_stats st;
	merr_init(&e);
	assert_int_equal(sns_import_file(s, f, &o, &st, &e), M_EPARSE);
	assert_int_equal(e.line, 2);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.stored, 2);
	assert_int_equal(st.matched, 2);
	/* one wave: one alert for the operator named, none for the other */
	assert_int_equal(st.alerts_new, 1);
	int n = 0;
	assert_int_equal(sns_alerts_list(s, NULL, count_alert, &n, NULL), 0);
	assert_int_equal(n, 1);
	/* importing again stores nothing twice and raises nothing new */
	assert_int_equal(sns_import_file(s, f, &o, &st, &e), M_EPARSE);
	assert_int_equal(st.stored, 0);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.alerts_new, 0);
	/* an analyst term; a regex that cannot be bounded is refused */
	merr_init(&e);
	assert_int_equal(sns_watch_add(s, "other", "(a|b)\\1", SNS_K_REGEX, "t", 1, NULL, &e),
			 M_EINVAL);
	assert_int_equal(sns_watch_add(s, "nobody", "term", SNS_K_KEYWORD, "t", 1, NULL, NULL),
			 M_ENOTFOUND);
	int64_t id = 0;
	assert_int_equal(sns_watch_add(s, "other", "架空ライン", SNS_K_NAME, "t", 1, &id, NULL), 0);
	assert_true(id > 0);
	assert_int_equal(sns_alert_set_state(s, 1, "dismissed", "t", "FP: test", 2, NULL), 0);
	assert_int_equal(sns_alert_set_state(s, 99, "dismissed", "t", NULL, 2, NULL), M_ENOTFOUND);
	/* escalation opens one incident for the alert's operator through the incident module */
	assert_int_equal(sns_alert_set_state(s, 1, "escalated", "t", NULL, 2, NULL), M_EINVAL);
	struct inc_ctx ic = {.s = s, .actor = "analyst-t", .now = 1721300100};
	int64_t inc = 0, inc2 = 0;
	merr_init(&e);
	assert_int_equal(sns_alert_escalate(&ic, 1, "要対応 / act", NULL, &inc, &e), 0);
	assert_true(inc > 0);
	struct one_alert a1 = {0};
	struct sns_alert_filter f1 = {.id = 1};
	assert_int_equal(sns_alerts_list(s, &f1, read_one, &a1, NULL), 0);
	assert_int_equal(a1.incident_id, inc);
	assert_string_equal(a1.state, "escalated");
	char org[64];
	assert_int_equal(inc_org_of(s, inc, org, sizeof org, NULL), 0);
	assert_string_equal(org, a1.org);
	cJSON *shown = NULL;
	assert_int_equal(inc_show(&ic, inc, &INC_VIEW_ALL, &shown, NULL), 0);
	char *js = cJSON_PrintUnformatted(shown);
	assert_non_null(strstr(js, "sns_alert"));	  /* the timeline links back */
	assert_non_null(strstr(js, "予兆検知 #1"));	  /* title and summary */
	assert_non_null(strstr(js, "\"type\":\"ddos\"")); /* ddos-target -> ddos */
	assert_non_null(strstr(js, "check-host.net"));	  /* the evidence post */
	cJSON_free(js);
	cJSON_Delete(shown);
	/* again: the same incident, not a second one */
	assert_int_equal(sns_alert_escalate(&ic, 1, NULL, NULL, &inc2, NULL), 0);
	assert_int_equal(inc2, inc);
	assert_int_equal(sns_alert_escalate(&ic, 99, NULL, NULL, &inc2, NULL), M_ENOTFOUND);
	store_close(s);
}

/* Negated complaints are not complaints; the table's limits are documented (docs/SNS.md). */
static void test_negation(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool complaint;
	} cases[] = {
	    {"関西高速のサイト落ちてる", true},
	    {"関西高速のサイト落ちてない", false},
	    {"関西高速 落ちていないよ", false},
	    {"関西高速 つながらないコトハナイ", false},	     /* normalised like the text */
	    {"関西高速のサイト落ちてない？", true},	     /* a question complains */
	    {"関西高速 落ちてないか心配", true},	     /* 「ないか」: a question */
	    {"関西高速 落ちてないと思ったら落ちてた", true}, /* the second one counts */
	    {"関西高速 繋がらない", true},
	    {"関西高速 繋がらないことはない", false},
	    {"関西高速 つながらないわけではない", false},
	    {"関西高速 ログインできないことはない", false},
	    {"関西高速 障害なし", false},
	    {"関西高速 障害は発生していません", true}, /* not in the table: a documented limit */
	    {"関西高速 障害はありません", false},
	    {"関西高速 障害発生中", true},
	    {"関西高速 エラーなし、通常運転", false},
	    {"関西高速 止まってない", false},
	    {"関西高速 止まってる", true},
	    {"kansai rail site is down", true},
	    {"kansai rail site is not down", false},
	    {"kansai rail: no outage today", false},
	    {"kansai rail: not an outage, just slow", false},
	    {"kansai rail outage again", true},
	};
	hs_scratch_t *sc = NULL;
	assert_int_equal(sns_lex_scratch(&sc), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *k = norm(cases[i].text);
		struct sns_lex_hits h;
		assert_int_equal(sns_lex_scan(sc, k, strlen(k), &h), 0);
		bool got = (h.classes & (1u << SNS_C_OUTAGE)) != 0;
		if (got != cases[i].complaint)
			fail_msg("'%s' (key '%s'): complaint %d, want %d", cases[i].text, k, got,
				 cases[i].complaint);
		/* negated, not merely unmatched (English "is not down" never matched "is down") */
		if (!got && !h.n_negated && !strstr(cases[i].text, "is not down"))
			fail_msg("'%s' (key '%s'): not negated, just unmatched", cases[i].text, k);
		free(k);
	}
	hs_free_scratch(sc);
	/* every negation row names an outage rule of the table */
	for (size_t k = 0; k < sns_n_negations; k++) {
		bool found = false;
		for (size_t i = 0; i < sns_n_rules; i++)
			found |= !strcmp(sns_rules[i].id, sns_negations[k].rule) &&
				 sns_rules[i].cls == SNS_C_OUTAGE;
		if (!found)
			fail_msg("negation row %zu names '%s'", k, sns_negations[k].rule);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_norm_japanese),  cmocka_unit_test(test_offsets),
	    cmocka_unit_test(test_parse_x),	   cmocka_unit_test(test_parse_telegram),
	    cmocka_unit_test(test_parse_feeds),	   cmocka_unit_test(test_matcher),
	    cmocka_unit_test(test_regex_refused),  cmocka_unit_test(test_poisson),
	    cmocka_unit_test(test_import_partial), cmocka_unit_test(test_negation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
