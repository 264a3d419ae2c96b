// sns.mjs - the SNS precursor console as people use it: the analyst sees the alerts by operator
// and class, the timeline with the outage wave marked, opens an alert with its evidence,
// dismisses it (kept, marked), adds a watch term; an operator sees its own alerts only.
// Posts are the synthetic fixtures of bench/sns_fixtures.py (nothing is fetched or probed).
// Screenshots go to $MAMORI_BUILD_DIR/e2e/. Prints "N passed, M failed" last.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { SRC, OUT, check, mamori, startServer, login, launchBrowser, tmpdir, finish, run } from "./lib.mjs";

async function main() {
	const tmp = tmpdir("mamori-sns-e2e");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(SRC, "examples/inventory.yaml"));
	execFileSync("python3", [path.join(SRC, "bench/sns_fixtures.py"), tmp]);
	for (const f of ["classes.tg.jsonl", "classes.x.jsonl", "outage_burst.x.jsonl"])
		mamori(db, "sns", "import", path.join(tmp, f));
	mamori(db, "user", "add", "analyst", "--role", "analyst");
	mamori(db, "user", "add", "op-kanto", "--role", "operator", "--org", "kanto-rail");
	const srv = await startServer(db, tmp);
	const browser = await launchBrowser();
	try {
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		await login(page, srv.base, "analyst");
		await page.goto(srv.base + "/sns");
		const rows = await page.locator("#sns-alerts tbody tr").count();
		check(rows === 7, `analyst: 7 precursor alerts listed, got ${rows}`);
		check((await page.locator("#sns-summary tbody tr").count()) >= 5, "summary by operator and class");
		await page.screenshot({ path: path.join(OUT, "sns-analyst.png"), fullPage: true });

		await page.goto(srv.base + "/sns?org=kansai-rail");
		check((await page.locator("#sns-timeline rect.bin").count()) > 5, "timeline bars for kansai-rail");
		check((await page.locator("#sns-timeline rect.burst").count()) === 1, "the outage wave is marked on the timeline");
		check((await page.locator("#sns-timeline rect.complaints").count()) > 0, "complaints drawn");
		await page.screenshot({ path: path.join(OUT, "sns-timeline.png"), fullPage: true });

		// add a watch term through the form
		await page.fill("#sns-watch-add input[name=term]", "ｶﾝｻｲｺｳｿｸ");
		await page.selectOption("#sns-watch-add select[name=kind]", "name");
		await Promise.all([page.waitForNavigation(), page.click("#sns-watch-add button")]);
		check((await page.locator("#sns-watch").innerText()).includes("ｶﾝｻｲｺｳｿｸ"), "watch term added and listed");

		// open the outage alert, see its evidence, dismiss it
		await page.goto(srv.base + "/sns?org=kansai-rail&class=outage");
		await Promise.all([page.waitForNavigation(), page.locator("#sns-alerts tbody tr a").first().click()]);
		check((await page.locator("#sns-evidence tbody tr").count()) >= 5, "outage alert evidence posts");
		check((await page.locator("#sns-reasons").innerText()).includes("posts_in_window"), "burst reasons shown");
		await Promise.all([page.waitForNavigation(), page.click("#sns-dismissed")]);
		check((await page.locator("#sns-state").innerText()).includes("dismissed"), "alert dismissed and kept");
		await page.screenshot({ path: path.join(OUT, "sns-alert.png"), fullPage: true });

		// an operator sees its own alerts only and no decision buttons
		const ctx2 = await browser.newContext();
		const op = await ctx2.newPage();
		await login(op, srv.base, "op-kanto");
		await op.goto(srv.base + "/sns");
		const text = await op.locator("#sns-alerts").innerText();
		check(text.includes("kanto-rail") && !text.includes("kansai-rail") && !text.includes("haneda-air"),
			"operator sees only kanto-rail alerts");
		await Promise.all([op.waitForNavigation(), op.locator("#sns-alerts tbody tr a").first().click()]);
		check((await op.locator("#sns-dismissed").count()) === 0, "operator has no decision buttons");
		await op.screenshot({ path: path.join(OUT, "sns-operator.png"), fullPage: true });
		const other = await op.goto(srv.base + "/sns?org=kansai-rail");
		check(!(await op.content()).includes("kansai-rail") || other.status() === 404,
			"operator cannot open another operator's SNS view");
	} finally {
		await browser.close();
		srv.proc.kill("SIGTERM");
	}
	finish(false);
}

run(main);
