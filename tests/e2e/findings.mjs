// findings.mjs - issue 14 as an analyst and an operator work: search + sort + page numbers +
// CSV download on /findings; triage a finding to 誤検知 and see it stay closed after a rescan
// (`mamori findings update`, the real collector); acknowledge from the mail link (/ack/TOKEN);
// the operator's own dashboard; and the layout rule: at 1280x800 no console page, as any role,
// is wider than the window (scrollWidth > clientWidth). Playwright (playwright-core) driving
// Debian's chromium against `mamori serve` on 127.0.0.1. Prints "N passed, M failed" last.
// The walk over every page also checks one <h1>, the role named in the page's language, no raw
// codes on Japanese pages and no Japanese on English ones; MAMORI_E2E_WALK_SHOTS=1 writes a
// screenshot of each (walk-ROLE-ROUTE-LANG.png) to read them as a person does.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SRC, OUT, check, mamori, startServer, login, launchContext, tmpdir, finish, run, japaneseOn } from "./lib.mjs";

const TOKEN = "0123456789abcdef0123456789abcdef";

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, "findings-" + name + ".png"), fullPage: true });
}

// 120 haneda-air findings (CVE-2021-1000 … with deadlines one day apart), a kansai one, real RDP
// and Telnet services of kanto-rail the collector turns into findings after a finished scan and
// a complete identify run, and an alert whose mail link token is TOKEN (only its SHA-256 stored).
function seed(db) {
	const now = Math.floor(Date.now() / 1000);
	const rows = [];
	for (let i = 0; i < 120; i++) {
		const sev = ["critical", "high", "medium", "low"][i % 4];
		rows.push(`(${1000 + i}, 'haneda-air', '192.0.2.${10 + (i % 5)}:443/tcp', 'vuln:CVE-2021-${1000 + i}', 'vulnerability', 'network', '192.0.2.${10 + (i % 5)}', 443, 'tcp', 'open', '${sev}', 'CVE-2021-${1000 + i} Apache の脆弱性 / vulnerability in Apache', 'CVE-2021-${1000 + i}', 0, ${now + (i + 1) * 86400}, ${now - 3600}, ${now})`);
	}
	const hash = crypto.createHash("sha256").update(TOKEN).digest("hex");
	execFileSync("sqlite3", [db, `
INSERT INTO findings (id, org_slug, asset, issue_key, kind, source, ip, port, proto, state, severity, title, cve_id, kev, deadline, first_seen, last_seen) VALUES
 ${rows.join(",\n ")},
 (2000, 'kansai-rail', '198.51.100.7:23/tcp', 'risky:telnet', 'risky_service', 'network', '198.51.100.7', 23, 'tcp', 'open', 'critical', '関西の秘密 telnet / telnet', NULL, 0, ${now + 86400}, ${now}, ${now}),
 (2001, 'kansai-rail', 'declared:cpe:2.3:a:ivanti:connect_secure:22.3r1:*:*:*:*:*:*:*', 'vuln:CVE-2024-21887', 'declared', 'declared', NULL, NULL, NULL, 'open', 'low', 'CVE-2024-21887 Ivanti Connect Secure の脆弱性 / vulnerability in Ivanti Connect Secure', 'CVE-2024-21887', 0, ${now + 60 * 86400}, ${now}, ${now});
INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) VALUES ('kanto-rail', 'connect', '3389', ${now - 7200}, ${now - 7100}, 'done', '{"targets":["127.0.10.0/28"]}');
INSERT INTO identify_runs (org_slug, started_at, finished_at, state, targets, identified, complete) VALUES ('kanto-rail', ${now - 7000}, ${now - 6900}, 'done', 1, 1, 1);
INSERT INTO services (org_slug, ip, port, proto, service, banner, state, first_seen, last_seen) VALUES ('kanto-rail', '127.0.10.7', 3389, 'tcp', 'ms-wbt-server', 'RDP', 'identified', ${now - 6950}, ${now - 6950}),
 ('kanto-rail', '127.0.10.8', 23, 'tcp', 'telnet', 'login:', 'identified', ${now - 6950}, ${now - 6950});
-- trustui: two findings kanto-rail fixed in the last weeks (one by its deadline, one late) for
-- the KPIs, and two addresses discovery filed as candidates for the operator to decide
INSERT INTO findings (id, org_slug, asset, issue_key, kind, source, ip, port, proto, state, severity, title, cve_id, kev, deadline, first_seen, last_seen, fixed_at) VALUES
 (3000, 'kanto-rail', '127.0.10.9:80/tcp', 'vuln:CVE-2020-5000', 'vulnerability', 'network', '127.0.10.9', 80, 'tcp', 'fixed', 'high', 'CVE-2020-5000 nginx の脆弱性 / vulnerability in nginx', 'CVE-2020-5000', 0, ${now - 10 * 86400}, ${now - 30 * 86400}, ${now - 12 * 86400}, ${now - 12 * 86400}),
 (3001, 'kanto-rail', '127.0.10.9:443/tcp', 'vuln:CVE-2020-5001', 'vulnerability', 'network', '127.0.10.9', 443, 'tcp', 'fixed', 'critical', 'CVE-2020-5001 nginx の脆弱性 / vulnerability in nginx', 'CVE-2020-5001', 1, ${now - 20 * 86400}, ${now - 40 * 86400}, ${now - 5 * 86400}, ${now - 5 * 86400});
INSERT INTO assets (org_id, kind, value, status, source, first_seen, last_seen) VALUES
 ((SELECT id FROM orgs WHERE slug = 'kanto-rail'), 'hostname', 'vpn.kanto-rail.test', 'candidate', 'dns', ${now - 86400}, ${now - 86400}),
 ((SELECT id FROM orgs WHERE slug = 'kanto-rail'), 'hostname', 'old.kanto-rail.test', 'candidate', 'dns', ${now - 86400}, ${now - 86400});
INSERT INTO alerts (id, org_slug, issue_key, subject, body, created_at, urgent, ack_token_sha256, what, host, deadline, prio)
 VALUES (301, 'kanto-rail', 'risky:rdp', '[mamori] 関東旅客鉄道株式会社: 緊急 1 件 / [mamori] Kanto Passenger Railway Co., Ltd.: 1 urgent', '【緊急】RDP / [Urgent] RDP', ${now - 600}, 1, '${hash}', 'RDP', '127.0.10.7', ${now + 14 * 86400}, 1);`]);
}

// Search, sort both ways, page numbers and the CSV download (analyst).
async function searchSortCsv(ctx, base) {
	const page = await ctx.newPage();
	await login(page, base, "analyst");
	await page.goto(base + "/findings");
	await page.fill("#f-q", "CVE-2021-10");
	await page.selectOption("#f-severity", "critical");
	await Promise.all([page.waitForNavigation(), page.click("#findings-filter button[type=submit]")]);
	const titles = await page.locator("#findings tbody td.title").allInnerTexts();
	check(titles.length > 0 && titles.every((t) => t.includes("CVE-2021-10")), `search: ${titles.length} rows all match`);
	const sevs = await page.locator("#findings tbody tr td:nth-child(4)").allInnerTexts();
	check(sevs.length > 0 && sevs.every((s) => s === "緊急"), `severity filter, shown in Japanese: ${sevs.slice(0, 3)}`);
	check(!(await page.content()).includes("関西の秘密"), "search does not widen to other rows");
	// sort by deadline, ascending then descending (a click on the header flips it)
	await Promise.all([page.waitForNavigation(), page.click("#findings thead a[href*='sort=deadline']")]);
	const asc = await page.locator("#findings tbody td.deadline").allInnerTexts();
	const d1 = asc.map((t) => t.slice(0, 10));
	check(d1.length > 1 && d1.every((d, i) => i === 0 || d1[i - 1] <= d), `deadline ascending: ${d1.slice(0, 3)}`);
	check(new URL(page.url()).searchParams.get("q") === "CVE-2021-10", "the sort link keeps the search");
	await Promise.all([page.waitForNavigation(), page.click("#findings thead a[href*='sort=-deadline']")]);
	const d2 = (await page.locator("#findings tbody td.deadline").allInnerTexts()).map((t) => t.slice(0, 10));
	check(d2.length > 1 && d2.every((d, i) => i === 0 || d2[i - 1] >= d), `deadline descending: ${d2.slice(0, 3)}`);
	await shot(page, "search-sort");
	// a declared product by its display name, as the vendor writes its version; the stored key
	// only in the cell's title (ui14)
	for (const lang of ["ja", "en"]) {
		await page.goto(base + "/findings?q=Ivanti&lang=" + lang);
		const cell = await page.locator("#findings tbody td.asset").first().innerText();
		const want = (lang === "ja" ? "申告: " : "Declared: ") + "Ivanti Connect Secure 22.3R1";
		check(cell === want, `findings (${lang}): declared asset named "${cell}", want "${want}"`);
		await page.goto(base + "/findings/2001?lang=" + lang);
		const body = await page.locator("main").innerText();
		check(body.includes(want) && !body.includes("declared:cpe"), `finding 2001 (${lang}): the declared asset by name`);
		const company = await page.locator("main dl.facts a[href='/orgs/kansai-rail']").innerText();
		check(company === (lang === "ja" ? "関西高速鉄道株式会社" : "Kansai Rapid Railway Co., Ltd."), `finding 2001 (${lang}): the operator by name (${company})`);
		// empty sections say so; no header-only tables; the back link says where it leads
		check((await page.locator("#comments-none").count()) === 1 && (await page.locator("#triage-log").count()) === 0 &&
			(await page.locator("#triage-log-none").count()) === 1, `finding 2001 (${lang}): empty comments and triage log said in a line`);
		check((await page.locator("#back").innerText()) === (lang === "ja" ? "指摘の一覧へ戻る" : "Back to the findings"), `finding 2001 (${lang}): the back link names the list`);
	}
	await page.goto(base + "/findings?lang=ja");
	// page numbers over all rows
	await page.goto(base + "/findings?sort=id");
	const pages = await page.locator("nav.pager a.page").count();
	check(pages >= 2, `page numbers: ${pages} links`);
	await Promise.all([page.waitForNavigation(), page.click("nav.pager a.page >> text=3")]);
	check(new URL(page.url()).searchParams.get("offset") === "100", `page 3 is offset 100: ${page.url()}`);
	const first = await page.locator("#findings tbody tr td:nth-child(2)").first().innerText();
	check(first === "1100", `page 3 starts at #1100 (sort by id): ${first}`);
	// CSV of the filtered list: a real download
	await page.goto(base + "/findings?q=CVE-2021-10&severity=critical");
	const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#findings-csv")]);
	const file = path.join(OUT, "findings.csv");
	await dl.saveAs(file);
	const csv = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
	const lines = csv.trim().split("\r\n");
	check(lines[0].includes("件名 / title") && lines.length - 1 === titles.length,
		`CSV: header + ${lines.length - 1} rows, page showed ${titles.length}`);
	check(lines.slice(1).every((l) => l.includes("CVE-2021-10") && l.includes("緊急")), "CSV rows match the filter");
	await page.close();
}

// The operator marks the RDP finding a false positive in the console; a rescan keeps it closed.
async function triageFlow(ctx, base, db) {
	mamori(db, "findings", "update", "kanto-rail");
	const rdp = JSON.parse(mamori(db, "findings", "list", "--org", "kanto-rail", "--search", "RDP", "--json"))[0];
	check(rdp && rdp.issue === "risky:rdp", "the collector made the RDP finding");
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/findings/" + rdp.id);
	await page.selectOption("#t-state", "false_positive");
	await page.fill("#t-comment", "検証用の踏み台で、インターネットからは到達できません");
	await Promise.all([page.waitForNavigation(), page.click("#triage-apply")]);
	check((await page.locator("#triage").innerText()) === "誤検知", "the finding shows 誤検知");
	check((await page.locator("#comments").innerText()).includes("検証用の踏み台"), "the comment is shown");
	check((await page.locator("#triage-log").innerText()).includes("operator"), "the change is in the triage log");
	await shot(page, "triage");
	// rescan: the same service, the same evidence
	mamori(db, "findings", "update", "kanto-rail");
	mamori(db, "findings", "update", "kanto-rail");
	await page.goto(base + "/findings/" + rdp.id);
	check((await page.locator("#triage").innerText()) === "誤検知", "after two rescans: still 誤検知");
	await page.goto(base + "/");
	const ff = await page.locator("#fix-first").innerText();
	check(!ff.includes("RDP") && ff.includes("Telnet"), `the false positive is not the fix-first item: ${ff.slice(0, 120)}`);
	const open = JSON.parse(mamori(db, "findings", "list", "--org", "kanto-rail", "--open", "--search", "RDP", "--json"));
	check(open.length === 0, "the CLI's open list leaves it out");
	// another operator's finding: a 404 like a missing one
	const r = await page.request.post(base + "/api/v1/findings/triage", {
		data: { ids: [2000], state: "false_positive" },
		headers: { "X-CSRF-Token": await page.locator("input[name=csrf]").first().getAttribute("value").catch(() => "") },
	});
	check(r.status() === 404 || r.status() === 403, `triage of kansai's finding: ${r.status()}`);
	await page.close();
}

// The link in the mail, opened by someone not signed in.
async function ackFlow(ctx, base, db) {
	await ctx.clearCookies();
	const page = await ctx.newPage();
	await page.goto(base + "/ack/" + TOKEN);
	await shot(page, "ack-confirm");
	await Promise.all([page.waitForNavigation(), page.click("form[action^='/ack/'] button")]);
	const text = await page.locator("main").innerText();
	check(text.includes("確認済み") || text.includes("確認しました"), `ack page after the click: ${text.slice(0, 80)}`);
	const acked = execFileSync("sqlite3", [db, "SELECT acked_by FROM alerts WHERE id = 301"]).toString().trim();
	check(acked === "token", `alert 301 acknowledged by the link (${acked})`);
	// the analyst reads who acknowledged it in words, and the company by name (ui14)
	await login(page, base, "analyst");
	await page.goto(base + "/alerts/301?lang=ja");
	const st = await page.locator("#ack-state-301").innerText();
	check(st.includes("メールのリンクから") && !st.includes("token"), `alert 301: acknowledged from the mail link, in words (${st})`);
	check((await page.locator("main dl.facts a[href='/orgs/kanto-rail']").innerText()) === "関東旅客鉄道株式会社", "alert 301: the operator by name");
	await page.goto(base + "/alerts?lang=ja");
	check((await page.locator("#alert-301 a[href='/orgs/kanto-rail']").innerText()) === "関東旅客鉄道株式会社", "alerts list: the operator by name");
	await ctx.clearCookies();
	await page.close();
}

// The operator's own dashboard: its fix-first item, its coverage, nobody else's.
async function operatorDashboard(ctx, base) {
	await ctx.clearCookies();
	const page = await ctx.newPage();
	await login(page, base, "operator");
	const rows = await page.locator("#fix-first tbody tr").count();
	check(rows === 1 && (await page.locator("#fix-first tbody tr").getAttribute("data-org")) === "kanto-rail",
		`operator dashboard: one fix-first row, its own (${rows})`);
	check((await page.locator("#coverage tbody tr").count()) === 1, "operator dashboard: its own coverage row");
	check((await page.locator("#coverage").innerText()).includes("診断済み"), "operator dashboard: assessed");
	check(!(await page.content()).includes("関西"), "operator dashboard: nothing of another operator");
	// my numbers: Telnet open (RDP is a false positive), no KEV, nothing overdue
	check((await page.locator("#mine-open").innerText()) === "1", `my open: ${await page.locator("#mine-open").innerText()}`);
	check((await page.locator("#mine-kev").innerText()) === "0", "my KEV: 0");
	check((await page.locator("#mine-overdue").innerText()) === "0", "my overdue: 0");
	// the list under the counts is this week's deadlines: its own heading, its own empty line
	check((await page.locator("#mine-due-title").innerText()) === "7 日以内に期限の指摘", "operator dashboard: the due list has its own heading");
	const due = await page.locator("#mine-due li").count();
	check(due > 0 || (await page.locator("#mine-due-empty").innerText()) === "7 日以内に期限を迎える指摘はありません",
		`operator dashboard: due list or its own empty line (${due} items)`);
	check((await page.locator("#mine").innerText()).indexOf("条件に合う指摘はありません") < 0, "operator dashboard: no 'no match' under the counts");
	// the fix-first row names the company, not the slug
	check((await page.locator("#fix-first tbody tr td").first().innerText()) === "関東旅客鉄道株式会社", "operator dashboard: fix-first row names the company");
	await kpis(page, "operator");
	check((await page.locator("#rating-pending").innerText()).includes("評価待ち"), "operator dashboard: 評価待ち, not まだデータがありません, for an assessed operator without a score");
	await page.goto(base + "/orgs/kanto-rail");
	check((await page.locator("#org-rating ~ #rating-pending").innerText()).includes("評価待ち") && (await page.locator("#not-assessed").count()) === 0,
		"operator page: 評価待ち, not 未診断, beside coverage's 診断済み");
	await page.goto(base + "/");
	await shot(page, "operator-dashboard");
	await page.goto(base + "/?lang=en");
	check((await page.locator("#mine-due-title").innerText()) === "Findings due within 7 days", "operator dashboard (en): due list heading");
	check((await page.locator("#fix-first tbody tr td").first().innerText()) === "Kanto Passenger Railway Co., Ltd.", "operator dashboard (en): company's English name");
	const JA = /[\u3040-\u30ff\u4e00-\u9fff]/;
	const en = await page.locator("#mine, #kpi, #fix-first, #candidates, #coverage").allInnerTexts();
	check(!en.some((t) => JA.test(t)), `operator dashboard (en): no Japanese in its panels: ${en.join(" | ").match(/.{0,30}[\u3040-\u30ff\u4e00-\u9fff].{0,30}/)}`);
	// headers capitalised alike; an assessed operator without a score yet is "rating pending",
	// never "No data yet" beside coverage's "Assessed" (ui14)
	const heads = await page.locator("#mine thead th").allInnerTexts();
	check(heads.length === 4 && heads.every((h) => /^[A-Z0-9]/.test(h.trim())), `operator dashboard (en): headers capitalised alike: ${heads}`);
	const grades = await page.locator("#grades").innerText();
	check(grades.includes("Rating pending") && !grades.includes("No data yet"), `operator dashboard (en): grades panel says rating pending: ${grades}`);
	await shot(page, "operator-dashboard-en");
	await page.goto(base + "/?lang=ja");
	await page.close();
}

// KPI charts: server-drawn SVG, each named (title) and described (desc, with the numbers),
// the numbers also as text on the page.
async function kpis(page, who) {
	const svgs = await page.locator("#kpi svg[role=img]").all();
	check(svgs.length >= 3, `${who}: ${svgs.length} KPI charts`);
	for (const svg of svgs) {
		const t = await svg.locator("title").textContent(), d = await svg.locator("desc").textContent();
		const by = (await svg.getAttribute("aria-labelledby")) || "";
		check(t.length > 0 && /\d/.test(d) && by.includes("-t") && by.includes("-d"), `${who}: chart named and described: ${t} / ${d}`);
	}
	// kanto-rail: 2 fixed in 90 days (one on time, one late), no open KEV
	check((await page.locator("#kpi-ttr").innerText()).includes("期限内 1") || (await page.locator("#kpi-ttr").innerText()).includes("on time 1"),
		`${who}: time to remediate shows one on time: ${(await page.locator("#kpi-ttr").innerText()).slice(0, 160)}`);
	check(/\d+/.test(await page.locator("#kpi-ttr-median").innerText()), `${who}: median days to fix shown as text`);
	check((await page.locator("#kpi-kev-overdue").innerText()).startsWith("0"), `${who}: no overdue KEV`);
	const weeks = await page.locator("#kpi-weeks td.num").allInnerTexts();
	check(weeks.length === 16 && weeks.reduce((a, b) => a + Number(b), 0) >= 2, `${who}: new vs fixed per week as numbers: ${weeks}`);
}

// Candidate assets: the operator says which are its own, from its own panel; the analyst sees
// the decision on the operator page and in the audit log; another operator's is a 404.
async function candidatesFlow(ctx, base) {
	await ctx.clearCookies();
	const page = await ctx.newPage();
	await login(page, base, "operator");
	check((await page.locator("#candidates-list tbody tr").count()) === 2, "operator: two candidate assets to decide");
	await shot(page, "candidates");
	await Promise.all([page.waitForNavigation(), page.click("#candidates tr[data-asset='vpn.kanto-rail.test'] button.asset-confirm")]);
	check(new URL(page.url()).pathname === "/", `operator: back on the dashboard (${page.url()})`);
	check((await page.locator("#candidates-list tbody tr").count()) === 1, "operator: one left after confirming");
	await Promise.all([page.waitForNavigation(), page.click("#candidates tr[data-asset='old.kanto-rail.test'] button.asset-reject")]);
	check((await page.locator("#no-candidates").count()) === 1, "operator: none left after rejecting");
	const csrf = await page.locator("input[name=csrf]").first().getAttribute("value");
	const other = await page.request.post(base + "/orgs/kansai-rail/assets/decide", { form: { csrf, value: "x.kansai-rail.test", decision: "confirm" }, maxRedirects: 0 });
	check(other.status() === 404, `operator: deciding another operator's asset: ${other.status()}`);
	const bad = await page.request.post(base + "/orgs/kanto-rail/assets/decide", { form: { csrf, value: "vpn.kanto-rail.test", decision: "maybe" }, maxRedirects: 0 });
	check(bad.status() === 400, `operator: a decision that is neither: ${bad.status()}`);
	await ctx.clearCookies();
	await login(page, base, "analyst");
	await page.goto(base + "/orgs/kanto-rail");
	check((await page.locator("#assets tr[data-asset='vpn.kanto-rail.test'] td.asset-status").innerText()) === "確認済み", "analyst: sees vpn confirmed");
	check((await page.locator("#assets tr[data-asset='old.kanto-rail.test'] td.asset-status").innerText()) === "自組織ではない", "analyst: sees old rejected");
	await page.goto(base + "/audit");
	const audit = await page.locator("#audit tbody").innerText();
	check(audit.includes("assets.confirm") && audit.includes("assets.reject") && audit.includes("operator"), "analyst: both decisions in the audit log, by the operator");
	// actions in words, the code beside them (ui14)
	check(audit.includes("資産の自組織と確認 assets.confirm") && (await page.locator("#audit tbody td code").count()) > 0,
		"analyst: audit actions in Japanese words with the code beside");
	await page.close();
}

// At 1280 px the findings table's headers and short codes keep their words whole ("No.",
// "Organisation", "vulnerability"), in both languages.
async function noMidWordBreaks(ctx, base) {
	await ctx.clearCookies();
	const page = await ctx.newPage();
	await page.setViewportSize({ width: 1280, height: 800 });
	await login(page, base, "analyst");
	for (const lang of ["en", "ja"]) {
		await page.goto(base + "/findings?lang=" + lang);
		const broken = await page.evaluate(() => {
			const span = document.createElement("span");
			span.style.whiteSpace = "nowrap";
			span.style.position = "absolute";
			document.body.appendChild(span);
			const out = [];
			for (const c of document.querySelectorAll("#findings thead th, #findings td.code")) {
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
		check(broken.length === 0, `findings (${lang}): words broken inside at 1280 px: ${broken}`);
		// the No. column keeps a four-digit id on one line ("200 / 0" before)
		const ids = await page.evaluate(() => [...document.querySelectorAll("#findings td.no a")].map((a) => [a.textContent, a.getClientRects().length]));
		check(ids.length > 0 && ids.some(([t]) => t.length >= 4) && ids.every(([, n]) => n === 1),
			`findings (${lang}): ids on one line at 1280 px: ${JSON.stringify(ids.filter(([, n]) => n !== 1).slice(0, 3))}`);
		// the company by name, its slug in the tooltip
		const orgs = await page.evaluate(() => [...document.querySelectorAll("#findings td.org a")].map((a) => [a.textContent, a.title]));
		check(orgs.length > 0 && orgs.every(([t, slug]) => slug && t !== slug && !/^[a-z0-9-]+$/.test(t)),
			`findings (${lang}): organisations by name, slug in the title: ${JSON.stringify(orgs.slice(0, 2))}`);
		if (lang === "ja")
			check(orgs.some(([t]) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(t)), "findings (ja): Japanese company names");
		if (lang === "en") {
			const JA = /[\u3040-\u30ff\u4e00-\u9fff]/;
			const titles = await page.locator("#findings td.title").allInnerTexts();
			check(titles.length > 0 && !titles.some((t) => JA.test(t)), `findings (en): titles in English: ${titles.filter((t) => JA.test(t)).slice(0, 3)}`);
			await shot(page, "list-en");
		}
	}
	await page.close();
}

const ROLE_NAMES = {
	analyst: { ja: "分析担当", en: "analyst" }, bureau: { ja: "所管部局", en: "bureau" },
	operator: { ja: "事業者", en: "operator" }, member: { ja: "会員", en: "member" }, admin: { ja: "管理者", en: "admin" },
};

// Codes a Japanese page must not show as words: stored keys with underscores (risky_service,
// exchange_server) and declared:cpe: assets, outside <code>, <pre>, data-stored text, inputs and
// links' own targets. Returns the offending snippets.
async function rawCodesOn(page) {
	return page.evaluate(() => {
		const bad = /declared:cpe:|\b[a-z]+_[a-z_]+\b/;
		const skip = (el) => !el || el.closest("[data-stored], code, pre, script, style, template, textarea, [lang=en]");
		const out = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode());)
			if (bad.test(n.data) && !skip(n.parentElement)) out.push(n.data.trim().slice(0, 80));
		return out;
	});
}

// Every GET page as every role at 1280x800: no horizontal overflow, one top heading, the role
// named in the page's language, no raw codes in Japanese, no Japanese in English (ui14).
async function layout(ctx, base, db) {
	const routes = mamori(db, "serve", "--list-routes").split("\n").filter(Boolean)
		.map((l) => l.split(/\s+/)).filter((f) => f[0] === "GET" && !f[1].startsWith("/api/") &&
			!f[1].startsWith("/taxii2") && !f[1].includes("{file}") && !f[1].endsWith(".csv") && f[1] !== "/logout");
	const concrete = (p) => p.replace("{org}", "kanto-rail").replace("/findings/{id}", "/findings/1000")
		.replace("/alerts/{id}", "/alerts/301").replace("/scans/{id}", "/scans/1").replace("{token}", TOKEN)
		.replace("{ip}", "192.0.2.10").replace("{user}", "analyst");
	const page = await ctx.newPage();
	await page.setViewportSize({ width: 1280, height: 800 });
	for (const role of ["analyst", "bureau", "operator", "member", "admin"]) {
		await ctx.clearCookies();
		await login(page, base, role);
		for (const [, pattern] of routes) {
			for (const lang of ["ja", "en"]) {
				// the language asked each time: ?lang= sets a cookie the next page would keep
				const resp = await page.goto(base + concrete(pattern) + (pattern.includes("?") ? "&" : "?") + "lang=" + lang);
				if (!resp || resp.status() !== 200 || !(resp.headers()["content-type"] || "").startsWith("text/html")) continue;
				const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
				check(sw <= cw, `${role} ${pattern} (${lang}): scrollWidth ${sw} > clientWidth ${cw}`);
				// one top heading per page (the frame's); the role named in the page's language
				const h1 = await page.locator("h1").count();
				check(h1 === 1, `${role} ${pattern} (${lang}): ${h1} top headings`);
				const roleName = await page.locator("header .user .role").innerText();
				check(roleName === ROLE_NAMES[role][lang], `${role} ${pattern} (${lang}): header role "${roleName}"`);
				if (lang === "ja") {
					const raw = await rawCodesOn(page);
					check(raw.length === 0, `${role} ${pattern} (ja): raw codes shown: ${JSON.stringify(raw.slice(0, 8))}`);
				} else {
					const jp = await japaneseOn(page);
					check(jp.length === 0, `${role} ${pattern} (en): Japanese shown: ${JSON.stringify(jp.slice(0, 8))}`);
				}
				if (process.env.MAMORI_E2E_WALK_SHOTS)
					await page.screenshot({ path: path.join(OUT, `walk-${role}-${pattern.replace(/[^a-z0-9]+/gi, "_")}-${lang}.png`), fullPage: true });
			}
		}
	}
	await page.close();
}

async function main() {
	const tmp = tmpdir("mamori-e2e-f");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(SRC, "examples", "inventory.yaml"));
	mamori(db, "user", "add", "analyst", "--role", "analyst", "--display", "分析 花子");
	mamori(db, "user", "add", "bureau", "--role", "bureau", "--sector", "railways", "--display", "鉄道局");
	mamori(db, "user", "add", "operator", "--role", "operator", "--org", "kanto-rail", "--display", "関東 CSIRT");
	mamori(db, "user", "add", "member", "--role", "member", "--display", "会員");
	mamori(db, "user", "add", "admin", "--role", "admin", "--display", "管理者");
	seed(db);
	const { proc, base } = await startServer(db, tmp, ["--dashboard-cache", "0"]);
	let ctx;
	try {
		ctx = await launchContext(tmp, {
			locale: "ja-JP",
			viewport: { width: 1280, height: 800 },
			acceptDownloads: true,
		});
		await searchSortCsv(ctx, base);
		await ctx.clearCookies();
		await triageFlow(ctx, base, db);
		await ackFlow(ctx, base, db);
		await operatorDashboard(ctx, base);
		await candidatesFlow(ctx, base);
		await noMidWordBreaks(ctx, base);
		await layout(ctx, base, db);
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
	}
	finish(false);
}

run(main);
