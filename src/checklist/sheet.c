/* sheet.c - the result sheet of an answer set and the bureau summary of a sector, as HTML +
 * PDF through the report module's document writer (one set of calls, both outputs; every
 * text escaped there). */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/bi.h"
#include "base/mtime.h"
#include "checklist/checklist_int.h"
#include "report/report_int.h"

static const char *jstr(const cJSON *o, const char *k)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
	return v ? v : "";
}

static void score_txt(const cJSON *part, char *out, size_t cap)
{
	const cJSON *sc = cJSON_GetObjectItem(part, "score");
	if (cJSON_IsNumber(sc))
		snprintf(out, cap, "%.1f", sc->valuedouble);
	else
		snprintf(out, cap, "—");
}

int cl_sheet(struct store *s, const char *org, int64_t id, const char *dir, int64_t now,
	     char *base_out, size_t cap, struct merr *e)
{
	return cl_sheet_lang(s, org, id, dir, now, false, base_out, cap, e);
}

#define JE(ja, en_) (en ? (en_) : (ja))

int cl_sheet_lang(struct store *s, const char *org, int64_t id, const char *dir, int64_t now,
		  bool en, char *base_out, size_t cap, struct merr *e)
{
	cJSON *r = NULL, *x;
	struct doc *d = NULL;
	char base[1024], t[32], b[32], a[32], when[TIME_STR_MAX];
	int rc;

	if ((rc = cl_result_json(s, org, id, now, &r, e)))
		return rc;
	if ((rc = doc_open(&d, JE("自己点検チェックリスト 結果票", "Self-assessment result sheet"),
			   en ? REPORT_EN : REPORT_JA, e))) {
		cJSON_Delete(r);
		return rc;
	}
	doc_heading(d, 1,
		    JE("自己点検チェックリスト 結果票 / Self-assessment result",
		       "Self-assessment checklist: result sheet"));
	time_fmt_jst(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "submitted_at")) > 0
			 ? (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "submitted_at"))
			 : (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "created_at")),
		     when);
	doc_paraf(
	    d, DOC_MUTED,
	    JE("事業者 %s ／ 業種 %s ／ 規模 %s ／ カタログ %s ／ 回答 #%.0f（%s）%s",
	       "Operator %s / business type %s / size %s / catalogue %s / answers #%.0f (%s)%s"),
	    jstr(r, "org"), jstr(r, "business_type"), jstr(r, "size"), jstr(r, "catalogue"),
	    cJSON_GetNumberValue(cJSON_GetObjectItem(r, "set")), when,
	    strcmp(jstr(r, "state"), "draft") == 0 ? JE(" 下書き / draft", " draft") : "");
	score_txt(cJSON_GetObjectItem(r, "total"), t, sizeof(t));
	score_txt(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tiers"), "basic"), b, sizeof(b));
	score_txt(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "tiers"), "advanced"), a, sizeof(a));
	doc_paraf(d, DOC_BIG,
		  JE("総合 %s 点 ／ 基本 %s 点 ／ 発展 %s 点", "Total %s / basic %s / advanced %s"),
		  t, b, a);
	doc_para(
	    d, cJSON_IsTrue(cJSON_GetObjectItem(r, "basic_done")) ? DOC_NORMAL : DOC_ALERT,
	    cJSON_IsTrue(cJSON_GetObjectItem(r, "basic_done"))
		? JE("基本項目はすべて実施済みです / all basic items done",
		     "All basic items are done")
	    : cJSON_GetNumberValue(cJSON_GetObjectItem(r, "basic_contradicted")) > 0
		? JE("基本項目は完了と見なしません: 実施済みと回答された基本項目が観測と矛盾して"
		     "います (要確認) / basic items answered done are contradicted by observations",
		     "Basic items are not counted as done: some answered done are contradicted "
		     "by what mamori observed (needs confirmation)")
		: JE("未実施の基本項目があります / basic items remain", "Basic items remain open"));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(r, "contradictions")) > 0)
		doc_para(
		    d, DOC_ALERT,
		    JE("点数は回答どおりの自己申告で、観測と矛盾する回答 (要確認) を含みます / "
		       "scores follow the answers and include contradicted ones",
		       "The scores follow the answers as given, including answers contradicted "
		       "by observations (needs confirmation)"));
	doc_para(
	    d, DOC_SMALL,
	    JE("点数: 実施している 4、一部実施 2、未実施 0、わからない −1、該当しないは除外し、"
	       "100 点満点に換算 / IPA-style points normalised to 0-100",
	       "Points: done 4, partly done 2, not done 0, don't know -1, not applicable left "
	       "out; normalised to 0-100 (IPA style)"));

	doc_heading(d, 2, JE("分野別の点数 / By section", "By section"));
	{
		static const double w[] = {0.5, 0.15, 0.15, 0.2};
		static const char *const h[] = {"分野", "点数", "実施", "項目数"};
		static const char *const h_en[] = {"Section", "Score", "Done", "Items"};
		doc_table_begin(d, 4, w, en ? h_en : h);
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "sections"))
		{
			char sc[32], dn[16], n[16];
			score_txt(x, sc, sizeof(sc));
			snprintf(dn, sizeof(dn), "%.0f",
				 cJSON_GetNumberValue(cJSON_GetObjectItem(x, "done")));
			snprintf(n, sizeof(n), "%.0f",
				 cJSON_GetNumberValue(cJSON_GetObjectItem(x, "items")));
			const char *cells[] = {jstr(x, en ? "en" : "ja"), sc, dn, n};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
	}

	doc_heading(d, 2,
		    JE("要確認 / Answers contradicted by what mamori observed",
		       "Needs confirmation: answers contradicted by what mamori observed"));
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(r, "contradictions")))
		doc_para(d, DOC_MUTED, JE("ありません / none", "none"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "contradictions"))
	{
		const cJSON *f;
		doc_paraf(d, DOC_ALERT, JE("要確認 %s: %s", "Needs confirmation %s: %s"),
			  jstr(x, "item"), jstr(x, en ? "text_en" : "text_ja"));
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(x, "findings"))
		{
			char half[512];
			doc_paraf(d, DOC_SMALL, JE("指摘 #%.0f %s（%s）", "Finding #%.0f %s (%s)"),
				  cJSON_GetNumberValue(cJSON_GetObjectItem(f, "finding")),
				  bi_half(jstr(f, "title"), en, half, sizeof half),
				  jstr(f, "asset"));
		}
		doc_para(d, DOC_NORMAL, jstr(x, en ? "guidance_en" : "guidance_ja"));
	}

	doc_heading(d, 2, JE("改善の助言 / Advice (top gaps)", "Advice (top gaps)"));
	if (!cJSON_GetArraySize(cJSON_GetObjectItem(r, "advice")))
		doc_para(d, DOC_MUTED, JE("ありません / none", "none"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "advice"))
	{
		doc_paraf(
		    d, DOC_NORMAL, JE("%.0f. [%s・%s] %s %s（%s）", "%.0f. [%s, %s] %s %s (%s)"),
		    cJSON_GetNumberValue(cJSON_GetObjectItem(x, "rank")),
		    strcmp(jstr(x, "tier"), "basic") ? JE("発展", "advanced") : JE("基本", "basic"),
		    jstr(x, en ? "section_en" : "section_ja"), jstr(x, "item"),
		    jstr(x, en ? "text_en" : "text_ja"), jstr(x, en ? "answer_en" : "answer_ja"));
		doc_para(d, DOC_SMALL, jstr(x, en ? "guidance_en" : "guidance_ja"));
	}

	doc_heading(d, 2, JE("回答一覧 / Answers", "Answers"));
	{
		static const double w[] = {0.1, 0.5, 0.14, 0.26};
		static const char *const h[] = {"項目", "内容", "回答", "コメント"};
		static const char *const h_en[] = {"Item", "Question", "Answer", "Comment"};
		doc_table_begin(d, 4, w, en ? h_en : h);
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "items"))
		{
			char ans[64];
			snprintf(ans, sizeof(ans), "%s%s", jstr(x, en ? "answer_en" : "answer_ja"),
				 strcmp(jstr(x, "status"), "要確認")
				     ? ""
				     : JE(" ／ 要確認", " / needs confirmation"));
			const char *cells[] = {jstr(x, "id"), jstr(x, en ? "text_en" : "text_ja"),
					       ans, jstr(x, "comment")};
			doc_table_row(d, cells);
		}
		doc_table_end(d);
	}
	snprintf(base, sizeof(base), "%s/checklist-%s-%.0f%s", dir, jstr(r, "org"),
		 cJSON_GetNumberValue(cJSON_GetObjectItem(r, "set")), en ? "-en" : "");
	cJSON_Delete(r);
	if ((rc = doc_finish(d, base, e)))
		return rc;
	if (base_out)
		snprintf(base_out, cap, "%s", base);
	return 0;
}

int cl_sector_sheet(struct store *s, const char *what, const char *only_sector, const char *dir,
		    int64_t now, char *base_out, size_t cap, struct merr *e)
{
	cJSON *r = NULL, *g;
	struct doc *d = NULL;
	char base[1024];
	int rc;

	if ((rc = cl_sector_json(s, what, only_sector, now, &r, e)))
		return rc;
	if ((rc = doc_open(&d, "自己点検 業界比較", REPORT_JA, e))) {
		cJSON_Delete(r);
		return rc;
	}
	doc_heading(d, 1, "自己点検チェックリスト 業界比較 / Sector comparison");
	doc_paraf(d, DOC_MUTED, "対象 %s ／ %s ／ カタログ %s ／ %d 事業者未満の集団は表示しません",
		  what && *what ? what : "全体", jstr(r, "quarter"), jstr(r, "catalogue"),
		  CL_K_MIN);
	{
		static const double w[] = {0.3, 0.14, 0.14, 0.14, 0.14, 0.14};
		static const char *const h[] = {"業種・規模", "事業者数", "総合平均",
						"基本平均",   "発展平均", "基本達成率%"};
		cJSON *lists[] = {cJSON_GetObjectItem(r, "business_types"),
				  cJSON_GetObjectItem(r, "groups")};
		doc_table_begin(d, 6, w, h);
		for (int l = 0; l < 2; l++)
			cJSON_ArrayForEach(g, lists[l])
			{
				const cJSON *q =
				    cJSON_GetArrayItem(cJSON_GetObjectItem(g, "quarters"), 3);
				char name[96], n[16] = "—", mt[16] = "—", mb[16] = "—",
					       ma[16] = "—", br[16] = "—";
				snprintf(name, sizeof(name), "%s%s%s", jstr(g, "business_type_ja"),
					 l ? " " : "（計）", jstr(g, "size"));
				if (cJSON_IsTrue(cJSON_GetObjectItem(q, "shown"))) {
					snprintf(n, sizeof(n), "%.0f",
						 cJSON_GetNumberValue(
						     cJSON_GetObjectItem(q, "operators")));
					snprintf(mt, sizeof(mt), "%.1f",
						 cJSON_GetNumberValue(
						     cJSON_GetObjectItem(q, "mean_total")));
					snprintf(mb, sizeof(mb), "%.1f",
						 cJSON_GetNumberValue(
						     cJSON_GetObjectItem(q, "mean_basic")));
					snprintf(ma, sizeof(ma), "%.1f",
						 cJSON_GetNumberValue(
						     cJSON_GetObjectItem(q, "mean_advanced")));
					snprintf(br, sizeof(br), "%.1f",
						 cJSON_GetNumberValue(
						     cJSON_GetObjectItem(q, "basic_done_rate")));
				} else {
					snprintf(n, sizeof(n), "非表示(<%d)", CL_K_MIN);
				}
				const char *cells[] = {name, n, mt, mb, ma, br};
				doc_table_row(d, cells);
			}
		doc_table_end(d);
	}
	snprintf(base, sizeof(base), "%s/checklist-sector-%s", dir,
		 what && *what ? jstr(r, "sector")[0] ? jstr(r, "sector") : jstr(r, "business_type")
			       : "all");
	cJSON_Delete(r);
	if ((rc = doc_finish(d, base, e)))
		return rc;
	if (base_out)
		snprintf(base_out, cap, "%s", base);
	return 0;
}
