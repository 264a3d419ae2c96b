// incident.mjs - incidents and cases in the console as people use them: Playwright
// (playwright-core) driving Debian's chromium against `mamori serve` on 127.0.0.1. The operator
// saves a draft of the Japanese report form, files it (and is told what is wrong with impossible
// times), asks for a consultation; the analyst assesses the incident (NISC level) and replies
// on the incident and the case; the operator sees the replies but never the internal note.
// Screenshots go to $MAMORI_BUILD_DIR/e2e/. Prints "N passed, M failed" last.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { OUT, check, mamori, startServer, login, submit, launchContext, tmpdir, finish, run, checkLanguages, japaneseOn } from "./lib.mjs";

// The incident's PDF through its link on the incident page: a download, a PDF, and its text
// (pdftotext) has the Japanese title; returns that text.
async function pdfText(page, what) {
	const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#incident-pdf")]);
	const file = await dl.path();
	const head = fs.readFileSync(file).subarray(0, 5).toString();
	check(head === "%PDF-", what + ": the download is a PDF (" + JSON.stringify(head) + ")");
	let text = "";
	try { text = execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"]).toString(); }
	catch (e) { check(false, what + ": pdftotext failed: " + e); }
	check(text.includes("予約システム停止"), what + ": pdftotext shows the Japanese title");
	return text;
}

const shot = (page, name) => page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });

async function operatorFiles(ctx, base) {
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/incidents");
	await Promise.all([page.waitForNavigation(), page.click("#new-incident")]);
	check((await page.locator("#incident-form").count()) === 1, "operator: the report form");
	await page.fill("#f-title", "予約システム停止 <b>太字</b>");
	await page.selectOption("#f-type", "ransomware");
	await page.fill("#f-occurred_at", "2026-12-01T06:40");
	await page.fill("#f-aware_at", "2026-12-01T09:00");
	await submit(page, "#save-draft");
	check((await page.locator("#draft-saved").count()) === 1, "draft: saved message");
	check((await page.inputValue("#f-title")) === "予約システム停止 <b>太字</b>", "draft: title kept");
	check((await page.inputValue("#f-aware_at")) === "2026-12-01T09:00", "draft: aware time kept");
	await page.fill("#f-summary", "座席予約サーバが暗号化された。");
	await page.fill("#f-iocs", "ip 203.0.113.45 amber\ndomain pay-now.example green");
	await page.fill("#f-impact_users", "120000");
	await page.fill("#f-contact_name", "山田 太郎");
	await page.fill("#f-contact_email", "csirt@kanto-rail.test");
	// impossible times: a clear error, the form stays filled
	await page.fill("#f-aware_at", "2026-12-01T05:00");
	await submit(page, "#submit-report");
	check((await page.locator("#form-error").innerText()).includes("aware_at"), "bad times: error names aware_at");
	check(!/Input|before/.test(await page.locator("#form-error").innerText()), "bad times: the Japanese page's error is Japanese only");
	await shot(page, "incident-form-error");
	check((await page.inputValue("#f-summary")) === "座席予約サーバが暗号化された。", "bad times: form keeps values");
	await page.fill("#f-aware_at", "2026-12-01T09:00");
	await submit(page, "#submit-report");
	const m = new URL(page.url()).pathname.match(/^\/incidents\/(\d+)$/);
	check(m !== null, "filed: lands on the incident page " + page.url());
	check((await page.locator("#incident-title").innerText()).includes("<b>太字</b>"), "title shown as text, not markup");
	check((await page.locator("#clocks tr").count()) > 2, "clocks shown");
	const clocks = await page.locator("#clocks").innerText();
	check(/残り \d+(時間|分)|\d+(時間|分)超過/.test(clocks) && !/-?\d+h\d\dm/.test(clocks),
		"clocks read as words (残り … / …超過), not -141h09m: " + clocks.replace(/\s+/g, " "));
	check((await page.locator("#iocs").innerText()).includes("IP アドレス") &&
		(await page.locator("#iocs").innerText()).includes("ドメイン名"), "IoC types named in Japanese");
	// an attachment from the console: stored, listed with its SHA-256, downloaded, never inline
	await page.setInputFiles("#attach-file", { name: "証拠ログ.txt", mimeType: "text/plain", buffer: Buffer.from("<script>alert(1)</script> log") });
	await Promise.all([page.waitForNavigation(), page.click("#attach-form button")]);
	check((await page.locator("#attachments").innerText()).includes("証拠ログ.txt"), "attachment listed");
	const href = await page.locator("#attachments a").first().getAttribute("href");
	const dl = await page.request.get(base + href);
	check(dl.status() === 200 && (dl.headers()["content-disposition"] || "").startsWith("attachment") &&
		dl.headers()["content-type"] === "application/octet-stream" &&
		(await dl.text()) === "<script>alert(1)</script> log", "attachment downloaded as a file");
	await page.setInputFiles("#attach-file", { name: "tool.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ\x90\x00rest") });
	await page.click("#attach-form button");
	await page.waitForFunction(() => document.getElementById("attach-status").textContent.length > 1);
	const refusal = await page.locator("#attach-status").innerText();
	check(refusal.includes("実行ファイル") && !/executable|file:/.test(refusal),
		"executable refused in Japanese only on a Japanese page: " + refusal);
	await shot(page, "incident-operator");
	// a consultation case
	await page.goto(base + "/cases");
	await page.selectOption("#c-kind", "consult");
	await page.fill("#c-title", "復旧手順の相談");
	await page.fill("#c-message", "バックアップからの復旧手順を相談したい");
	await submit(page, "#case-form button");
	const c = new URL(page.url()).pathname.match(/^\/cases\/(\d+)$/);
	check(c !== null, "case opened: " + page.url());
	await page.close();
	return { incident: m && m[1], kase: c && c[1] };
}

async function analystAnswers(ctx, base, ids) {
	const page = await ctx.newPage();
	await login(page, base, "analyst");
	await page.goto(base + "/incidents?state=open&lang=en");
	// companies by name (the slug in the tooltip); type words whole; the filter on one row
	const incOrgs = await page.locator("#incidents td[title]").allInnerTexts();
	check(incOrgs.length > 0 && !incOrgs.some((t) => /^[a-z0-9-]+$/.test(t)) && incOrgs.some((t) => t.includes("Kanto Passenger Railway")),
		"analyst: incidents name the company: " + incOrgs);
	const types = await page.evaluate(() => [...document.querySelectorAll("#incidents td.code")].map((td) => {
		const rg = document.createRange();
		rg.selectNodeContents(td);
		return [td.innerText, new Set([...rg.getClientRects()].map((c) => Math.round(c.top))).size];
	}).filter(([t, n]) => !t.includes(" ") && n > 1));
	check(types.length === 0, "analyst (en): one-word codes never broken: " + JSON.stringify(types));
	const box = await page.locator("form.filter input[name=overdue]").boundingBox();
	const lbl = await page.locator("form.filter input[name=overdue] >> xpath=..").boundingBox();
	check(box && lbl && lbl.height < 2.5 * box.height, "analyst: the overdue filter's box beside its label");
	await page.goto(base + "/incidents?state=open&lang=ja");
	check((await page.locator(`#incidents a[href='/incidents/${ids.incident}']`).count()) > 0, "analyst: incident listed");
	await page.goto(base + "/incidents/" + ids.incident);
	// mamori's own job in words on the timeline, its id only in the tooltip
	const tl = await page.locator("#timeline").innerText();
	check(tl.includes("mamori（自動処理）") && !tl.includes("job:"), "analyst: the reminder job named in words on the timeline: " + tl.replace(/\s+/g, " ").slice(-160));
	await page.selectOption("#a-continuity", "3");
	await page.selectOption("#a-safety", "1");
	await page.selectOption("#a-trust", "2");
	await page.fill("#r-continuity", "予約サイトが24時間停止");
	// the "final" checkbox sits beside its label text, on one line (not centred above it)
	const cb = await page.locator("#a-final").boundingBox();
	const lb = await page.locator("label:has(#a-final)").boundingBox();
	check(cb && lb && lb.height < cb.height * 2 + 4 && cb.x - lb.x <= 8 && lb.width > cb.width * 3,
		"assess: the final checkbox is beside its label " + JSON.stringify({ cb, lb }));
	await page.check("#a-final");
	await submit(page, "#assess button");
	check((await page.locator("#level-final").innerText()).includes("レベル3（高）"), "assessed: final level レベル3（高）");
	check((await page.locator("#incident-level").innerText()).includes("レベル3（高）"), "incident level is the max of the axes");
	await page.fill("#msg", "受領しました。駆けつけ支援の要否を確認します。");
	await submit(page, "#reply button");
	check((await page.locator("#timeline").innerText()).includes("受領しました"), "reply on the timeline");
	const text = await pdfText(page, "analyst PDF");
	check(text.includes("レベル3（高）"), "analyst PDF: the NISC level");
	// the STIX bundle into a sharing collection, at the TLP the analyst chooses
	await page.fill("#publish-form input[name=collection]", "inc-e2e");
	await page.selectOption("#publish-form select[name=tlp]", "green");
	await submit(page, "#publish-form button");
	check((await page.locator("#published").count()) === 1, "published: the page says so");
	check((await page.locator("#timeline li[data-kind=publish]").innerText()).includes("共有に公開"), "published: on the timeline");
	await shot(page, "incident-analyst");
	await page.goto(base + "/cases/" + ids.kase);
	await page.selectOption("#u-state", "in_progress");
	await page.fill("#u-assignee", "analyst");
	await page.fill("#u-note", "内部: 事業者の体制に懸念");
	await page.fill("#u-link", "incident:" + ids.incident);
	await submit(page, "#case-update button");
	await page.fill("#cmsg", "手順書をお送りします。");
	await submit(page, "#case-reply button");
	check((await page.locator("#case-state").innerText()).includes("対応中"), "case: 対応中");
	const change = await page.locator("#timeline li[data-kind=state]").innerText();
	check(change.includes("受付 → 対応中"), "case timeline: the state change says from what to what: " + change);
	check((await page.locator("#timeline").innerText()).includes("内部: 事業者の体制に懸念"), "analyst sees the note");
	await shot(page, "case-analyst");
	// every page in English without Japanese but what people entered, and Japanese in Japanese
	await checkLanguages(page, base + "/incidents/" + ids.incident, "analyst incident", (p) => shot(p, "incident-analyst-en"));
	await checkLanguages(page, base + "/cases/" + ids.kase, "analyst case", (p) => shot(p, "case-analyst-en"));
	await checkLanguages(page, base + "/incidents", "analyst incidents", (p) => shot(p, "incidents-analyst-en"));
	await checkLanguages(page, base + "/cases", "analyst cases");
	await checkLanguages(page, base + "/incidents?stats=1", "analyst incident statistics");
	// the statistics name the sector (鉄道 / Railways), not its code
	await page.goto(base + "/incidents?stats=1");
	const stats = await page.locator("#incident-stats").innerText();
	check(stats.includes("鉄道") && !/\brailways?\b/.test(stats), "statistics: sector names in Japanese: " + stats);
	await page.goto(base + "/incidents?stats=1&lang=en");
	const statsEn = await page.locator("#incident-stats").innerText();
	check(statsEn.includes("Railways") && !statsEn.includes("railways"), "statistics: sector names in English: " + statsEn);
	await page.close();
}

async function operatorReads(ctx, base, ids) {
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/incidents/" + ids.incident);
	check((await page.locator("#timeline").innerText()).includes("受領しました"), "operator sees the reply");
	await pdfText(page, "operator PDF");
	check((await page.locator("#publish-form").count()) === 0, "operator has no publish form");
	const other = await page.request.get(base + "/incidents/" + ids.other + "/pdf");
	check(other.status() === 404, "operator: another operator's PDF is 404 (" + other.status() + ")");
	await page.goto(base + "/cases/" + ids.kase);
	const t = await page.locator("#timeline").innerText();
	check(t.includes("手順書をお送りします"), "operator sees the case reply");
	check(!t.includes("内部: 事業者の体制に懸念"), "operator never sees the internal note");
	check((await page.locator("#case-update").count()) === 0, "operator has no analyst form");
	await shot(page, "case-operator");
	await checkLanguages(page, base + "/incidents/" + ids.incident, "operator incident", (p) => shot(p, "incident-operator-en"));
	await checkLanguages(page, base + "/cases/" + ids.kase, "operator case", (p) => shot(p, "case-operator-en"));
	await checkLanguages(page, base + "/incidents/new", "operator report form", (p) => shot(p, "incident-form-en"));
	// the attachment refusal on an English page: English only
	await page.goto(base + "/incidents/" + ids.incident + "?lang=en");
	await page.setInputFiles("#attach-file", { name: "tool.exe", mimeType: "application/octet-stream", buffer: Buffer.from("MZ\x90\x00rest") });
	await page.click("#attach-form button");
	await page.waitForFunction(() => document.getElementById("attach-status").textContent.length > 1);
	const refusalEn = await page.locator("#attach-status").innerText();
	check(refusalEn.includes("executables are not accepted") && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(refusalEn),
		"executable refused in English only on an English page: " + refusalEn);
	// an impossible report in English: the error in English only
	await page.goto(base + "/incidents/new?lang=en");
	await page.fill("#f-title", "Reservation outage");
	await page.fill("#f-occurred_at", "2026-12-01T06:40");
	await page.fill("#f-aware_at", "2026-12-01T05:00");
	await page.fill("#f-contact_name", "Taro Yamada");
	await submit(page, "#submit-report");
	const err = await page.locator("#form-error").innerText();
	check(err.includes("aware_at") && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(err), "English form error in English only: " + err);
	check((await japaneseOn(page)).length === 0, "English form error page: no Japanese " + JSON.stringify(await japaneseOn(page)));
	await page.goto(base + "/incidents?lang=ja");
	await checkLanguages(page, base + "/cases", "operator cases");
	await page.close();
}

async function main() {
	const tmp = tmpdir("mamori-e2e-inc");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(process.env.MAMORI_SOURCE_DIR || ".", "examples", "inventory.yaml"));
	mamori(db, "user", "add", "analyst", "--role", "analyst", "--display", "分析 花子");
	mamori(db, "user", "add", "operator", "--role", "operator", "--org", "kanto-rail", "--display", "関東旅客鉄道 CSIRT");
	mamori(db, "share", "collection", "add", "inc-e2e", "--title", "インシデント共有", "--tlp", "amber");
	// another operator's incident (its PDF must stay out of reach)
	const otherId = JSON.parse(mamori(db, "--json", "incident", "report", "kansai-rail",
		path.join(process.env.MAMORI_SOURCE_DIR || ".", "examples", "incident-initial.yaml"))).id;
	const { proc, base } = await startServer(db, tmp);
	let ctx;
	try {
		ctx = await launchContext(tmp, {
			locale: "ja-JP",
			viewport: { width: 1280, height: 900 },
		});
		const ids = await operatorFiles(ctx, base);
		await ctx.clearCookies();
		ids.other = otherId;
		if (ids.incident && ids.kase) {
			// the reminder pass as the server's job runs it: an overdue event by "job:incident.remind"
			mamori(db, "jobs", "run", "--remind-every", "60", "--max", "5");
			await analystAnswers(ctx, base, ids);
			await ctx.clearCookies();
			await operatorReads(ctx, base, ids);
		}
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
	}
	finish();
}

run(main);
