// exercise.mjs - a tabletop exercise in the console as two roles at high speed: the analyst
// starts airport-vpn-kev at x60 from the library with the operator as a named participant, the
// operator (playing CSIRT and 経営層) records a decision and responses on the live page, the
// analyst injects the next events at once and notes a lesson, the operator files an exercise
// incident report with the real form (a validation error first, in Japanese and English) and the
// analyst sees it named and timed on the inject clock; the responses are scored on time; another
// org's operator gets 404. Screenshots go to $MAMORI_BUILD_DIR/e2e/. Prints "N passed, M failed" last.
import path from "node:path";
import { OUT, check, mamori, startServer, login, submit, launchContext, tmpdir, finish, run } from "./lib.mjs";

const shot = (page, name) => page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });

// The English page says nothing in Japanese: the body's text less the allowed stored data (user
// display names, what a user typed) has no kana or kanji left. Prints the offending lines.
const JA = /[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]/;
async function noJapanese(page, what, allowed) {
	let t = await page.locator("body").innerText();
	// scenario sources are cited as published (Japanese documents keep their titles)
	const cited = await page.locator(".source").allInnerTexts();
	for (const a of [...cited, ...allowed]) t = t.split(a).join("");
	const left = t.split("\n").filter((l) => JA.test(l));
	check(left.length === 0, `${what}: Japanese on the English page (${left.length} lines): ${left.slice(0, 12).join(" | ")}`);
}
// user display names and what the users typed in this test (data, not mamori's words)
// ("日本語" is the switch back to Japanese)
const USER_TEXT = ["関東旅客鉄道 CSIRT", "分析 花子", "関西", "【演習】VPN 機器からの不正アクセス",
	"教訓: 緩和策の適用判断が早かった", "日本語"];

async function analystStarts(ctx, base) {
	const page = await ctx.newPage();
	await login(page, base, "analyst");
	await page.goto(base + "/exercises");
	const lib = await page.locator("#scenarios").innerText();
	check(lib.includes("airport-vpn-kev") && lib.includes("nagoya-port-ransomware"), "analyst: the scenario library");
	await page.selectOption("#x-scenario", "airport-vpn-kev");
	await page.fill("#x-users", "operator");
	await page.fill("#x-speed", "60");
	await submit(page, "#exercise-start button");
	const url = page.url();
	const m = url.match(/\/exercises\/(\d+)$/);
	check(m !== null, "analyst: started a run, on its page: " + url);
	check((await page.locator("#training-banner").innerText()).includes("【訓練】"), "run page marked 【訓練】");
	check((await page.locator("#injects").innerText()).includes("asm-notice"), "first inject delivered at once");
	await shot(page, "exercise-analyst-start");
	await page.close();
	return m ? m[1] : null;
}

async function operatorResponds(ctx, base, run, respond) {
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/exercises/" + run);
	for (const [role, action, inject, option] of respond) {
		await page.selectOption("#r-role", role);
		await page.selectOption("#r-action", action);
		await page.selectOption("#r-inject", inject);
		await page.fill("#r-option", option || "");
		await page.fill("#r-text", "<script>alert(1)</script> " + action);
		await submit(page, "#exercise-respond button");
	}
	const html = await page.content();
	check(!html.includes("<script>alert(1)"), "participant text escaped");
	await page.close();
}

async function analystSteers(ctx, base, run) {
	const page = await ctx.newPage();
	await login(page, base, "analyst");
	await page.goto(base + "/exercises/" + run);
	await page.selectOption("#f-verb", "inject-now");
	await page.fill("#f-arg", "exploited");
	await submit(page, "#exercise-control button");
	await page.selectOption("#f-verb", "inject-now");
	await page.fill("#f-arg", "lateral");
	await submit(page, "#exercise-control button");
	await page.selectOption("#f-verb", "note");
	await page.fill("#f-arg", "教訓: 緩和策の適用判断が早かった");
	await submit(page, "#exercise-control button");
	check((await page.locator("#injects").innerText()).includes("exploited"), "inject-now delivered 'exploited'");
	check((await page.locator("#notes").innerText()).includes("教訓"), "facilitator's note kept");
	await page.close();
}

// The participant files an exercise incident report with the real form: first without a title
// (the error in Japanese, naming the field, the entries kept), then complete; the analyst sees it on
// the run page, named and timed on the inject clock, and scored against the inject.
async function operatorFiles(ctx, base, run) {
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/exercises/" + run);
	await submit(page, "#file-incident");
	check((await page.locator("#training-banner").innerText()).includes("【訓練】"), "incident form marked 【訓練】");
	await page.selectOption("#x-inject", "lateral");
	await page.selectOption("#f-report", "initial");
	await page.selectOption("#f-type", "unauthorized_access");
	await page.fill("#f-occurred_at", "2026-12-07T09:00");
	await page.fill("#f-aware_at", "2026-12-07T09:05");
	await page.fill("#f-summary", "<script>alert(1)</script> VPN 機器の侵害");
	await page.fill("#f-contact_name", "関東 太郎");
	await submit(page, "#submit-report");
	const err = await page.locator("#form-error").innerText();
	check(err.includes("件名") && err.includes("title") && err.includes("必須項目") && !err.includes("missing required"),
		"validation error in Japanese only, naming the field: " + err);
	check((await page.inputValue("#f-summary")).includes("VPN 機器の侵害"), "the entries are kept after an error");
	await shot(page, "exercise-incident-error");
	await page.fill("#f-title", "【演習】VPN 機器からの不正アクセス");
	await page.selectOption("#x-inject", "lateral");
	await submit(page, "#submit-report");
	check(/\/exercises\/\d+\?filed=\d+$/.test(page.url()), "filed, back on the run page: " + page.url());
	check((await page.locator("#filed").count()) === 1, "the page says it was filed");
	await page.close();
}

async function analystSeesFiling(ctx, base, run) {
	const page = await ctx.newPage();
	await login(page, base, "analyst");
	await page.goto(base + "/exercises/" + run);
	const filing = page.locator('#actions li[data-kind="file_initial"]');
	check((await filing.count()) === 1, "the analyst sees one exercise incident report");
	const text = await filing.innerText();
	check(text.includes("関東旅客鉄道 CSIRT") && text.includes("【訓練】#"), "named and marked: " + text);
	const scen = Number(await filing.getAttribute("data-scen"));
	const st = await (await page.request.get(base + "/api/v1/exercises/" + run)).json();
	const lateral = st.injects.find((i) => i.id === "lateral");
	const item = st.score.items.find((i) => i.id === "first-report");
	check(lateral && lateral.state === "delivered" && scen >= lateral.scen_s, "timed after the inject on its clock: T+" + scen + "s vs " + (lateral && lateral.scen_s));
	check(item && item.result === "on_time" && item.action_s === scen && item.by === "operator",
		"scored on time against the inject, by the user: " + JSON.stringify(item));
	const real = await (await page.request.get(base + "/api/v1/incidents")).json();
	check((real.items || []).length === 0, "no exercise incident in the real list");
	await shot(page, "exercise-analyst-filing");
	await submit(page, '#actions li[data-kind="file_initial"] a.exercise-incident');
	check((await page.locator("#incident-title").innerText()).includes("VPN 機器からの不正アクセス"),
		"the analyst opens the exercise report as filed");
	check((await page.locator("#versions").innerText()).includes("<script>alert(1)</script>"), "its text shown as text, escaped");
	await page.close();
}

async function main() {
	const tmp = tmpdir("mamori-e2e-ex");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(process.env.MAMORI_SOURCE_DIR || ".", "examples", "inventory.yaml"));
	mamori(db, "user", "add", "analyst", "--role", "analyst", "--display", "分析 花子");
	mamori(db, "user", "add", "operator", "--role", "operator", "--org", "kanto-rail", "--display", "関東旅客鉄道 CSIRT");
	mamori(db, "user", "add", "operator-b", "--role", "operator", "--org", "kansai-rail", "--display", "関西");
	const { proc, base } = await startServer(db, tmp);
	let ctx;
	try {
		ctx = await launchContext(tmp, {
			locale: "ja-JP",
			viewport: { width: 1280, height: 900 },
		});
		const run = await analystStarts(ctx, base);
		if (run) {
			await ctx.clearCookies();
			await operatorResponds(ctx, base, run, [["executive", "decide", "asm-notice", "mitigate_now"],
				["operator_csirt", "patch", "asm-notice", ""]]);
			await ctx.clearCookies();
			await analystSteers(ctx, base, run);
			await ctx.clearCookies();
			await operatorResponds(ctx, base, run, [["operator_csirt", "isolate", "exploited", ""]]);
			await ctx.clearCookies();
			await operatorFiles(ctx, base, run);
			await ctx.clearCookies();
			await analystSeesFiling(ctx, base, run);
			await ctx.clearCookies();
			const page = await ctx.newPage();
			await login(page, base, "operator");
			await page.goto(base + "/exercises/" + run);
			const score = await page.locator("#score").innerText();
			const rows = score.split("\n").filter((l) => l.includes("期限内"));
			check(rows.length === 4, "four responses on time (" + rows.length + "): " + score);
			check((await page.locator("#notes").count()) === 0, "participants never see the facilitator's notes");
			check((await page.locator("#exercise-control").count()) === 0, "participants have no facilitator controls");
			await shot(page, "exercise-operator");
			// the same page in English, at 1280x800
			await page.setViewportSize({ width: 1280, height: 800 });
			await page.goto(base + "/exercises/" + run + "?lang=en");
			await noJapanese(page, "operator (en): exercise page", USER_TEXT);
			await shot(page, "exercise-operator-en");
			await page.goto(base + "/exercises?lang=en");
			await noJapanese(page, "operator (en): exercise list", USER_TEXT);
			await page.goto(base + "/exercises?lang=ja");
			await page.close();
			await ctx.clearCookies();
			const an = await ctx.newPage();
			await login(an, base, "analyst");
			await an.setViewportSize({ width: 1280, height: 800 });
			await an.goto(base + "/exercises?lang=en");
			await noJapanese(an, "analyst (en): exercise library", USER_TEXT);
			await shot(an, "exercise-analyst-list-en");
			await an.goto(base + "/exercises/" + run);
			await noJapanese(an, "analyst (en): exercise run", USER_TEXT);
			await shot(an, "exercise-analyst-run-en");
			await an.goto(base + "/exercises?lang=ja");
			await an.close();
			await ctx.clearCookies();
			const other = await ctx.newPage();
			await login(other, base, "operator-b");
			const r = await other.goto(base + "/exercises/" + run);
			check(r.status() === 404, "another org's operator gets 404: " + r.status());
			await other.close();
		}
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
	}
	finish();
}

run(main);
