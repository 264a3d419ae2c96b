// sns.mjs - the SNS precursor console as people use it: the analyst sees the alerts by operator
// and class, the timeline with the outage wave marked, opens an alert with its evidence,
// dismisses it (kept, marked), adds a watch term, escalates one to an incident (the incident
// page names the alert); an operator sees its own alerts only and cannot escalate; a bureau
// user sees its sector's operators' alerts (in /sns and in the alert list the pipeline fills),
// a bureau user of another sector sees none.
// Posts are the synthetic fixtures of bench/sns_fixtures.py (nothing is fetched or probed).
// Screenshots go to $MAMORI_BUILD_DIR/e2e/. Prints "N passed, M failed" last.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { SRC, OUT, check, mamori, startServer, login, launchBrowser, tmpdir, finish, run, checkLanguages } from "./lib.mjs";

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
	mamori(db, "user", "add", "bureau-rail", "--role", "bureau", "--sector", "railways");
	mamori(db, "user", "add", "bureau-water", "--role", "bureau", "--sector", "water");
	const all = JSON.parse(mamori(db, "sns", "alerts", "--json"));
	const kantoDdos = all.find((a) => a.org === "kanto-rail" && a.class === "ddos-target");
	const hanedaAny = all.find((a) => a.org === "haneda-air");
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
		// one term per concept (docs/GLOSSARY.md): 予兆検知, never アラート (警報 is a finding's)
		check(!(await page.locator("body").innerText()).includes("アラート"), "SNS page: 予兆検知, no アラート");
		// companies by name (slug in the tooltip), rules in words, nothing broken mid-word
		const snsOrgs = await page.locator("#sns-alerts a[href^='/sns?org='], #sns-summary a").allInnerTexts();
		check(snsOrgs.length > 0 && !snsOrgs.some((t) => /^[a-z0-9-]+$/.test(t)), "SNS page: companies by name: " + snsOrgs.slice(0, 3));
		const snsText = await page.locator("#sns-alerts").innerText();
		check(!/outage-burst|ddos-announcement|leak-claim/.test(snsText) && snsText.includes("障害を訴える投稿の急増"), "SNS page: rules in words");
		const snsLines = await page.evaluate(() => [...document.querySelectorAll("#sns-alerts th, #sns-alerts td.state, #sns-alerts td.sns-incident")].map((el) => {
			const rg = document.createRange();
			rg.selectNodeContents(el);
			return [el.innerText, new Set([...rg.getClientRects()].map((c) => Math.round(c.top))).size];
		}).filter(([t, n]) => t.trim() && n > 1));
		check(snsLines.length === 0, "SNS page: headers, states and buttons on one line: " + JSON.stringify(snsLines.slice(0, 3)));
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
		check((await page.locator("#sns-state").getAttribute("data-state")) === "dismissed", "alert dismissed and kept");
		check(!(await page.locator("body").innerText()).includes("アラート"), "SNS alert page: no アラート");
		await page.screenshot({ path: path.join(OUT, "sns-alert.png"), fullPage: true });

		// escalate the kanto-rail DDoS alert from the list: an incident (初報) for kanto-rail
		await page.goto(srv.base + "/sns?org=kanto-rail");
		await Promise.all([page.waitForNavigation(), page.click("#sns-escalate-" + kantoDdos.id)]);
		check((await page.locator("#sns-state").getAttribute("data-state")) === "escalated" &&
			(await page.locator("#sns-state").innerText()).includes("インシデント化"), "alert escalated (インシデント化)");
		const incLink = page.locator("#sns-incident a");
		check((await incLink.count()) === 1, "the alert page links the incident it opened");
		check((await page.locator("#sns-escalated").count()) === 0, "no second escalate button once escalated");
		await page.screenshot({ path: path.join(OUT, "sns-escalated.png"), fullPage: true });
		await Promise.all([page.waitForNavigation(), incLink.click()]);
		const incText = await page.locator("main").innerText();
		check(incText.includes("予兆検知 #" + kantoDdos.id) && incText.includes("kanto-rail"),
			"the incident page: title from the alert, kanto-rail");
		check(incText.includes("sns") || incText.includes("SNS"), "the incident's timeline names the SNS alert");
		await page.screenshot({ path: path.join(OUT, "sns-incident.png"), fullPage: true });
		await checkLanguages(page, srv.base + "/sns", "analyst SNS", async (p) => {
			// English words stay whole ("ranso / m", "exploitatio / n" before)
			const broken = await p.evaluate(() => {
				const span = document.createElement("span");
				span.style.whiteSpace = "nowrap";
				span.style.position = "absolute";
				document.body.appendChild(span);
				const out = [];
				for (const c of document.querySelectorAll("#sns-alerts td")) {
					const cs = getComputedStyle(c);
					span.style.font = cs.font;
					const room = c.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) + 0.5;
					for (const w of c.innerText.split(/\s+/).filter(Boolean)) {
						span.textContent = w;
						if (span.getBoundingClientRect().width > room) out.push(w);
					}
				}
				span.remove();
				return out;
			});
			check(broken.length === 0, "SNS (en): words broken inside: " + broken);
			await p.screenshot({ path: path.join(OUT, "sns-analyst-en.png"), fullPage: true });
		});
		await checkLanguages(page, srv.base + "/sns?org=kansai-rail", "analyst SNS timeline", (p) => p.screenshot({ path: path.join(OUT, "sns-timeline-en.png"), fullPage: true }));
		await checkLanguages(page, srv.base + "/sns/alerts/" + kantoDdos.id, "analyst SNS alert", (p) => p.screenshot({ path: path.join(OUT, "sns-alert-en.png"), fullPage: true }));
		await page.goto(srv.base + "/sns?org=kanto-rail");
		check((await page.locator("#sns-escalate-" + kantoDdos.id).count()) === 0 &&
			(await page.locator("#sns-alerts td.sns-incident a").count()) >= 1,
			"the list shows the incident instead of the button");
		const after = JSON.parse(mamori(db, "sns", "alerts", "--json", "--org", "kanto-rail"));
		check(after.some((a) => a.id === kantoDdos.id && a.state === "escalated" && a.incident_id > 0),
			"CLI: the alert records the incident id");

		// a railways bureau user: kanto-rail, kansai-rail, tohoku-freight alerts; no aviation ones
		const ctx3 = await browser.newContext();
		const bu = await ctx3.newPage();
		await login(bu, srv.base, "bureau-rail");
		await bu.goto(srv.base + "/");
		check((await bu.locator('header nav a[href="/sns"]').count()) === 1, "the navigation leads bureau users to SNS");
		await Promise.all([bu.waitForNavigation(), bu.click('header nav a[href="/sns"]')]);
		// companies are shown by name: their slugs are the links' tooltips
		const bt = (await bu.locator("#sns-alerts a[title]").evaluateAll((as) => as.map((a) => a.title))).join(" ");
		check(bt.includes("kanto-rail") && bt.includes("kansai-rail") && bt.includes("tohoku-freight") &&
			!bt.includes("haneda-air") && !bt.includes("skyline-cargo"), "railways bureau: its sector's SNS alerts only");
		check((await bu.locator(".sns-escalate").count()) === 0, "bureau has no escalate button");
		const hb = await bu.goto(srv.base + "/sns/alerts/" + hanedaAny.id);
		check(hb.status() === 404, "railways bureau cannot open an aviation operator's SNS alert");
		await bu.goto(srv.base + "/alerts");
		check((await bu.locator("main").innerText()).includes("SNS予兆"),
			"railways bureau: the SNS alerts reach its alert list through the pipeline");
		await bu.screenshot({ path: path.join(OUT, "sns-bureau.png"), fullPage: true });
		const ctx4 = await browser.newContext();
		const bw = await ctx4.newPage();
		await login(bw, srv.base, "bureau-water");
		await bw.goto(srv.base + "/sns");
		check((await bw.locator("#sns-alerts tbody tr").count()) === 0 && (await bw.locator("#sns-empty").count()) === 1,
			"water bureau: no SNS alert");
		const wb = await bw.goto(srv.base + "/sns/alerts/" + kantoDdos.id);
		check(wb.status() === 404, "water bureau: a railway SNS alert is 404");
		await bw.goto(srv.base + "/alerts");
		check(!(await bw.locator("main").innerText()).includes("SNS予兆"), "water bureau: no SNS alert in its alert list");

		// an operator sees its own alerts only and no decision buttons
		const ctx2 = await browser.newContext();
		const op = await ctx2.newPage();
		await login(op, srv.base, "op-kanto");
		await op.goto(srv.base + "/sns");
		const text = (await op.locator("#sns-alerts a[title]").evaluateAll((as) => as.map((a) => a.title))).join(" ");
		check(text.includes("kanto-rail") && !text.includes("kansai-rail") && !text.includes("haneda-air"),
			"operator sees only kanto-rail alerts");
		await Promise.all([op.waitForNavigation(), op.locator("#sns-alerts tbody tr a").first().click()]);
		check((await op.locator("#sns-dismissed").count()) === 0 && (await op.locator("#sns-escalated").count()) === 0,
			"operator has no decision buttons");
		await op.goto(srv.base + "/sns");
		check((await op.locator(".sns-escalate").count()) === 0, "operator has no escalate button");
		const csrf = await op.locator("input[name=csrf]").first().getAttribute("value").catch(() => null);
		const esc = await op.request.post(srv.base + "/api/v1/sns/alerts/" + kantoDdos.id + "/escalate",
			{ headers: { "X-CSRF-Token": csrf || "", "Content-Type": "application/json" }, data: "{}" });
		check(esc.status() === 403, `operator may not escalate through the API: ${esc.status()}`);
		await op.screenshot({ path: path.join(OUT, "sns-operator.png"), fullPage: true });
		await checkLanguages(op, srv.base + "/sns", "operator SNS", (p) => p.screenshot({ path: path.join(OUT, "sns-operator-en.png"), fullPage: true }));
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
