// console.mjs - the web console as a person uses it: Playwright (playwright-core) driving
// Debian's chromium against `mamori serve` on 127.0.0.1. Logs in as each role, sees what the
// role may see, is refused what it may not (a 403 page), switches language, logs out;
// the operator acknowledges an alert and the analyst sees it acknowledged.
// Screenshots go to $MAMORI_BUILD_DIR/e2e/. Prints "N passed, M failed" last.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { SRC, OUT, PASSWORD, check, mamori, startServer, login, launchContext, tmpdir, finish, run, suppressCairoLeaks } from "./lib.mjs";

suppressCairoLeaks();
// Reports the operator downloads (`mamori report --out`), served with --reports-dir.
const SERVE_EXTRA = [];
let scanPort = 0;

// What each role sees after logging in, and a page it must be refused.
const ROLES = {
	analyst: { home: "/", sees: ["#by-sector", "nav a[href='/orgs']", "nav a[href='/audit']"], refused: "/users" },
	bureau: { home: "/", sees: ["#by-sector", "nav a[href='/orgs']"], refused: "/audit" },
	operator: { home: "/", sees: ["#mine"], refused: "/users" },
	member: { home: "/sharing", sees: ["#sharing"], refused: "/orgs" },
	admin: { home: "/users", sees: ["#users", "form.add-user"], refused: "/orgs" },
};

const ROLE_JA = { analyst: "分析担当", bureau: "所管部局", operator: "事業者", member: "会員", admin: "管理者" };

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });
}

async function asRole(ctx, base, role) {
	const want = ROLES[role];
	const page = await ctx.newPage();
	page.on("dialog", (d) => d.accept());
	await login(page, base, role);
	check(new URL(page.url()).pathname === want.home, `${role}: lands on ${page.url()}, want ${want.home}`);
	for (const sel of want.sees)
		check((await page.locator(sel).count()) > 0, `${role}: home page lacks ${sel}`);
	// the user and the role, the role in the page's language (分析担当 …, docs/GLOSSARY.md)
	const who = await page.locator("header .user").innerText();
	check(who.includes(`(${ROLE_JA[role]})`) && !who.includes(`(${role})`), `${role}: header names the role in Japanese: ${who}`);
	await shot(page, role + "-home");
	// refused: a real 403 page, not a blank one
	const resp = await page.goto(base + want.refused);
	check(resp.status() === 403, `${role}: ${want.refused} answered ${resp.status()}, want 403`);
	check((await page.locator("#error").count()) === 1 && (await page.locator("h1").innerText()).includes("403"),
		`${role}: 403 page has no message`);
	if (role === "operator") await shot(page, "operator-403");
	await roleSpecific(page, base, role);
	// log out through the header button
	await page.goto(base + want.home);
	await Promise.all([page.waitForNavigation(), page.click("#logout")]);
	check(new URL(page.url()).pathname === "/login", `${role}: logout lands on ${page.url()}`);
	const after = await page.goto(base + want.home);
	check(new URL(page.url()).pathname === "/login", `${role}: after logout ${want.home} did not send to login (${after.status()})`);
	await page.close();
}

async function roleSpecific(page, base, role) {
	if (role === "analyst") {
		await page.goto(base + "/orgs");
		const rows = await page.locator("#orgs tbody tr").count();
		check(rows >= 10, `analyst: operators list has ${rows} rows`);
		await shot(page, "orgs-list");
		// the sector filter works without JavaScript too (form GET), here with it
		await Promise.all([page.waitForNavigation(), page.selectOption("#sector", "water")]);
		const sectors = await page.locator("#orgs tbody tr td:nth-child(3)").allInnerTexts();
		check(sectors.length > 0 && sectors.every((s) => s === "水道"), `analyst: water filter shows ${sectors}`);
		// water has no findings: one line says so, no empty chart (issue 14)
		check((await page.locator("#kpi-empty").innerText()).includes("この分野にはまだ指摘がありません") && (await page.locator("#kpi svg").count()) === 0,
			"analyst: the water sector (no findings) says so in one line, no empty chart");
		await shot(page, "orgs-water");
		// the railways' key figures under its list: charts named and described, numbers as text
		await page.goto(base + "/orgs?sector=railways");
		check((await page.locator("#kpi svg[role=img] title").count()) >= 3 && (await page.locator("#kpi svg[role=img] desc").count()) >= 3,
			"analyst: the railway sector's KPI charts, each with a title and a description");
		check(/\d/.test(await page.locator("#kpi-age table").innerText()), "analyst: the sector's finding ages as numbers too");
		await shot(page, "orgs-railways");
		await page.goto(base + "/orgs/kanto-rail");
		check((await page.locator("#org-name").innerText()).includes("関東旅客鉄道"), "analyst: org page name");
		check((await page.locator("#scope td").allInnerTexts()).some((t) => t.includes("JST")), "analyst: scope dates in JST");
		// services by their display names, the identify module's names only in the tooltip
		const svc = await page.locator("#services").innerText();
		check(svc.includes("RDP (リモートデスクトップ)") && svc.includes("HTTP プロキシ") && !/ms-wbt-server|http-proxy/.test(svc),
			"analyst: services named for readers (RDP, HTTP プロキシ): " + svc.replace(/\s+/g, " ").slice(0, 200));
		const certs = await page.locator("#certificates").innerText();
		check(certs.includes("期限切れ") && certs.includes("自己署名") && !/expired|self-signed|ip:port/.test(certs),
			"analyst: certificate problems in Japanese words: " + certs.replace(/\s+/g, " ").slice(0, 200));
		await shot(page, "org-kanto-rail");
		// language switch, both ways
		await Promise.all([page.waitForNavigation(), page.click("a.lang")]);
		check((await page.locator("header nav").innerText()).includes("Operators"), "analyst: English navigation");
		// nothing Japanese in what the English page itself says (names of people are data)
		const JA = /[\u3040-\u30ff\u4e00-\u9fff]/;
		const roles = await page.locator("#contacts tr td:nth-child(3)").allInnerTexts();
		check(roles.length > 0 && !roles.some((t) => JA.test(t)), `analyst (en): contact roles in English: ${roles}`);
		const ded = await page.locator("#deductions td:nth-child(2), #deductions td:nth-child(3)").allInnerTexts();
		check(ded.length > 0 && !ded.some((t) => JA.test(t)), `analyst (en): deduction kinds and titles in English: ${ded}`);
		check(ded.some((t) => t.includes("known exploited vulnerability")), `analyst (en): the KEV deduction says so: ${ded}`);
		const ftitles = await page.locator("#findings td.title").allInnerTexts();
		check(ftitles.length > 0 && !ftitles.some((t) => JA.test(t)) && ftitles.some((t) => t.includes("Apache HTTP Server") && t.includes("CVE-2021-41773")),
			`analyst (en): finding titles in English: ${ftitles}`);
		check((await page.locator("#grade").innerText()) === "C", "analyst: kanto-rail (scanned) keeps its grade C");
		const svcEn = await page.locator("#services").innerText();
		check(svcEn.includes("RDP (Remote Desktop)") && svcEn.includes("HTTP proxy") && !JA.test(svcEn),
			"analyst (en): services named in English: " + svcEn.replace(/\s+/g, " ").slice(0, 200));
		await shot(page, "org-kanto-rail-en");
		// never assessed: no grade, 未診断, whatever the stored row says (issue 14)
		await page.goto(base + "/orgs/hokkaido-water");
		check((await page.locator("#grade").count()) === 0 && (await page.locator("#not-assessed").innerText()).includes("Not assessed"),
			"analyst (en): hokkaido-water shows Not assessed and no grade");
		await shot(page, "org-hokkaido-water-en");
		await page.goto(base + "/orgs/hokkaido-water?lang=ja");
		check((await page.locator("#not-assessed").innerText()).includes("未診断") && (await page.locator("#grade").count()) === 0,
			"analyst: hokkaido-water 未診断, no grade");
		await shot(page, "org-hokkaido-water");
		await page.goto(base + "/orgs/kanto-rail?lang=en");
		{
			const ded = await page.locator("#deductions").innerText();
			check(ded.includes("needs confirmation x0.4") && !ded.includes("要確認"), "analyst (en): a deduction's factors without their Japanese words");
		}
		await page.goto(base + "/");
		check((await page.locator("h1").innerText()) === "Dashboard", "analyst: language kept by cookie");
		await Promise.all([page.waitForNavigation(), page.click("a.lang")]);
		check((await page.locator("h1").innerText()) === "ダッシュボード", "analyst: back to Japanese");
		await shot(page, "dashboard");
		check((await page.locator(".panel.empty").count()) === 0, "analyst: no empty panel left");
		check((await page.locator("#alerts-awaiting").innerText()).includes("関西の警報"), "analyst: alerts awaiting acknowledgement on the dashboard");
		const awaitingOrgs = await page.locator("#alerts-awaiting a[href^='/orgs/']").allInnerTexts();
		check(awaitingOrgs.length > 0 && !awaitingOrgs.some((t) => /^[a-z0-9-]+$/.test(t)), "analyst: awaiting alerts name the company, not its slug: " + awaitingOrgs);
		check((await page.locator("#grades dt.grade").allInnerTexts()).includes("C"), "analyst: a grade on the dashboard");
		check((await page.locator("#grades a[href='/orgs/hokkaido-water']").count()) === 0 && !(await page.locator("#grades dt.grade").allInnerTexts()).includes("A"),
			"analyst: the never-assessed hokkaido-water has no grade on the dashboard");
		check((await page.locator("#coverage tr[data-org='hokkaido-water'] td.warn").innerText()) === "未診断", "analyst: the dashboard lists hokkaido-water as 未診断");
		await Promise.all([page.waitForNavigation(), page.click("#urgent a[href='/findings/101']")]);
		check((await page.locator("#finding-title").innerText()).includes("Apache"), "analyst: opens a finding from the dashboard");
		// one deadline shown the same everywhere: the JST date (issue 14)
		check(/^\d{4}-\d{2}-\d{2}/.test(await page.locator("#deadline").innerText()), "analyst: finding deadline as a JST date");
		await shot(page, "finding");
		await page.goto(base + "/audit");
		check((await page.locator("#audit tbody tr").count()) > 0, "analyst: audit log has rows");
		// a library error ("English / 日本語") shows the page's own half (ui14)
		const nf = await page.goto(base + "/exercises/999?lang=ja");
		const ja = await page.locator("#error").innerText();
		check(nf.status() === 404 && ja.includes("演習がありません") && !ja.includes("no exercise run"), `analyst: a library error on a Japanese page in Japanese only: ${ja}`);
		await page.goto(base + "/exercises/999?lang=en");
		const en = await page.locator("#error").innerText();
		check(en.includes("no exercise run 999") && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(en), `analyst: the same error on an English page in English only: ${en}`);
		await page.goto(base + "/audit?lang=ja");
		// start a scan of kanto-rail (scope 127.0.10.0/28) on one port a listener holds
		await page.goto(base + "/scans");
		await page.fill("#scan-org", "kanto-rail");
		await page.fill("#scan-ports", String(scanPort));
		await Promise.all([page.waitForNavigation(), page.click("#scan-start button")]);
		check(/^\/scans\/\d+$/.test(new URL(page.url()).pathname), `analyst: scan start lands on ${page.url()}`);
		await page.waitForSelector("#scan-state.state-done", { timeout: 20000 }).catch(() => null);
		check((await page.locator("#scan-state").innerText()) === "完了", "analyst: the scan completes (page follows it, state in Japanese)");
		const open = await page.locator("#open-ports").innerText();
		check(open.includes("127.0.10.2") && open.includes(String(scanPort)), `analyst: open port shown: ${open}`);
		await shot(page, "scan");
	}
	if (role === "operator") {
		await page.goto(base + "/orgs");
		const slugs = await page.locator("#orgs tbody tr td:first-child").allInnerTexts();
		check(slugs.length === 1 && slugs[0] === "kanto-rail", `operator: sees ${slugs}`);
		const other = await page.goto(base + "/orgs/kansai-rail");
		check(other.status() === 404, `operator: another operator's page answered ${other.status()}`);
		check(!(await page.content()).includes("関西高速鉄道"), "operator: another operator's name shown");
		const f = await page.goto(base + "/findings/202");
		check(f.status() === 404 && (await page.locator("#error").count()) === 1, `operator: another org's finding answered ${f.status()}`);
		check(!(await page.content()).includes("関西の秘密"), "operator: another org's finding title shown");
		await page.goto(base + "/orgs/kanto-rail");
		check((await page.locator("#grade").innerText()) === "C", "operator: own grade on the operator page");
		check((await page.locator("#certificates").innerText()).includes("期限切れ"), "operator: certificate flags");
		await shot(page, "operator-org");
		// the quarterly PDF from the operator page: a real download, bytes checked
		const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#report-list a.report-pdf >> nth=0")]);
		const file = path.join(OUT, "operator-report.pdf");
		await dl.saveAs(file);
		const bytes = fs.readFileSync(file);
		check(bytes.subarray(0, 4).toString() === "%PDF", "operator: downloaded report is a PDF");
		check(dl.suggestedFilename().endsWith("-2026Q4.pdf"), `operator: download named ${dl.suggestedFilename()}`);
		const text = execFileSync("pdftotext", [file, "-"]).toString();
		check(text.includes("関東旅客鉄道株式会社"), "operator: the PDF holds the operator's Japanese name");
		// page 1's heading counts what follows (one item: not "5 項目")
		check(text.includes("最優先で対応すべき項目") && !text.includes("5 項目"), "operator: the fix-first heading fits its one item");
		await page.locator("#reports").screenshot({ path: path.join(OUT, "operator-reports.png") });
		// both languages offered, the English one its own file with English text
		check((await page.locator("#report-list a.report-pdf-en").count()) > 0, "operator: an English PDF link beside the Japanese one");
		const [dlEn] = await Promise.all([page.waitForEvent("download"), page.click("#report-list a.report-pdf-en >> nth=0")]);
		const fileEn = path.join(OUT, "operator-report-en.pdf");
		await dlEn.saveAs(fileEn);
		check(dlEn.suggestedFilename().endsWith("-2026Q4-en.pdf"), `operator: English download named ${dlEn.suggestedFilename()}`);
		const textEn = execFileSync("pdftotext", [fileEn, "-"]).toString();
		check(textEn.includes("Kanto Passenger Railway") && !textEn.includes("関東旅客鉄道株式会社"), "operator: the English PDF is in English");
		check(textEn.includes("What to do first") && !textEn.includes("Five things"), "operator (en): the fix-first heading fits its one item");
		execFileSync("pdftoppm", ["-r", "60", "-f", "1", "-l", "1", "-png", fileEn, path.join(OUT, "operator-report-en")]);
		check(fs.statSync(path.join(OUT, "operator-report-en-1.png")).size > 5000, "operator: the English PDF's page 1 renders");
		const otherPdf = await page.request.get(base + "/orgs/kansai-rail/reports/2026Q4.pdf");
		check(otherPdf.status() === 404, `operator: another operator's report answered ${otherPdf.status()}`);
	}
	if (role === "bureau") {
		await page.goto(base + "/orgs");
		const sectors = await page.locator("#orgs tbody tr td:nth-child(3)").allInnerTexts();
		check(sectors.length > 0 && sectors.every((s) => s === "鉄道"), `bureau: sees sectors ${sectors}`);
		await Promise.all([page.waitForNavigation(), page.click("#sector-reports-link")]);
		check((await page.locator("#sector-reports").count()) === 1, "bureau: sector reports page from the operators list");
	}
	if (role === "admin") {
		await page.goto(base + "/users");
		await page.fill("form.add-user input[name=name]", "e2e-member");
		await page.fill("form.add-user input[name=display_name]", "<script>alert(1)</script> 共有");
		await page.selectOption("form.add-user select[name=role]", "member");
		await page.fill("form.add-user input[name=password]", PASSWORD);
		await Promise.all([page.waitForNavigation(), page.click("form.add-user button")]);
		const cells = await page.locator("#users tbody tr td:nth-child(2)").allInnerTexts();
		check(cells.includes("<script>alert(1)</script> 共有"), "admin: new user's display name shown as text");
		await shot(page, "users");
	}
}

// The operator acknowledges its alert on /alerts; the analyst then sees it acknowledged.
async function alertsFlow(ctx, base) {
	const page = await ctx.newPage();
	await login(page, base, "operator");
	await page.goto(base + "/alerts");
	check((await page.locator("#alerts tbody tr").count()) === 1, "operator: /alerts lists its one alert");
	check(!(await page.content()).includes("関西の警報"), "operator: another org's alert on /alerts");
	check((await page.locator("#ack-state-301").innerText()) === "未確認", "operator: alert 301 not yet acknowledged");
	await Promise.all([page.waitForNavigation(), page.click("#ack-301")]);
	check(new URL(page.url()).pathname === "/alerts", `operator: ack lands on ${page.url()}`);
	const state = await page.locator("#ack-state-301").innerText();
	check(state.includes("確認済み") && /\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST/.test(state) && state.includes("operator"),
		`operator: alert 301 marked acknowledged with the time in JST (${state})`);
	check((await page.locator("#ack-301").count()) === 0, "operator: no button once acknowledged");
	// the kind (緊急警報) and the date stay on one line each at 1280 px
	const lines = await page.evaluate(() => [...document.querySelectorAll("#alerts td.kind, #alerts td.date")].map((td) => {
		const rg = document.createRange();
		rg.selectNodeContents(td);
		return [td.innerText, new Set([...rg.getClientRects()].map((c) => Math.round(c.top))).size];
	}));
	check(lines.length > 0 && lines.every(([, n]) => n === 1), "operator: alert kind and date on one line: " + JSON.stringify(lines));
	await shot(page, "alerts");
	const other = await page.goto(base + "/alerts/302");
	check(other.status() === 404 && !(await page.content()).includes("関西の警報"), `operator: another org's alert answered ${other.status()}`);
	await page.goto(base + "/");
	check((await page.locator("#alerts-awaiting-count").getAttribute("data-count")) === "0", "operator: nothing awaiting acknowledgement");
	// the first thing an operator sees is its own findings, not a count of one company by sector
	check((await page.locator("main section.panel").first().getAttribute("id")) === "mine" && (await page.locator("#by-sector").count()) === 0,
		"operator: the dashboard opens with its own findings");
	await ctx.clearCookies();
	await login(page, base, "analyst");
	await page.goto(base + "/alerts/301");
	const seen = await page.locator("#ack-state-301").innerText();
	check(seen.includes("確認済み") && seen.includes("JST") && seen.includes("operator"), `analyst: sees 301 acknowledged (${seen})`);
	check((await page.locator("#targets").innerText()).includes("soc@kanto-rail.test"), "analyst: delivery per recipient");
	await shot(page, "alert-detail");
	await page.goto(base + "/alerts?unacked=1");
	check((await page.locator("#alerts tbody tr").count()) === 1 && (await page.content()).includes("関西の警報"), "analyst: unacknowledged filter");
	await page.close();
}

// A few rows the findings, rating and identify modules would write (fixed ids: 101 kanto-rail, 202 kansai-rail).
function seed(db) {
	const now = Math.floor(Date.now() / 1000);
	const tls = JSON.stringify({ chain: [{ subject: "CN=www.kanto-rail.example", issuer: "CN=www.kanto-rail.example", not_after: 1700000000, self_signed: true }], expired: true, self_signed: true });
	const expl = JSON.stringify({ score: 72, grade: "C", period: "2026Q4", points_lost: 28, deductions: [{ finding: 101, category: "kev", reason_ja: "KEV掲載の脆弱性", title: "Apache HTTP Server パストラバーサル", asset: "192.0.2.10:443/tcp", points: 28, factors: "要確認 needs confirmation x0.4" }] });
	const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";
	execFileSync("sqlite3", [db, `
INSERT INTO findings (id, org_slug, asset, issue_key, kind, source, state, severity, title, cve_id, cvss, epss, kev, urgency, deadline, reasons, evidence, first_seen, last_seen)
 VALUES (101, 'kanto-rail', '192.0.2.10:443/tcp', 'vuln:CVE-2021-41773', 'vulnerability', 'network', 'open', 'critical', 'Apache HTTP Server パストラバーサル', 'CVE-2021-41773', 7.5, 0.94, 1, 'KEV', ${now + 14 * 86400}, '{"kev":true}', '{"banner":"Apache/2.4.49"}', ${now - 3600}, ${now}),
 (202, 'kansai-rail', '198.51.100.7:23/tcp', 'risky:telnet', 'risky_service', 'network', 'open', 'critical', '関西の秘密 telnet', NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, ${now}, ${now});
INSERT INTO ratings (org_slug, period, score, raw_grade, grade, method, computed_at, explanation) VALUES ('kanto-rail', '2026Q4', 72, 'C', 'C', 'v1', ${now}, ${q(expl)}),
 ('hokkaido-water', '2026Q4', 100, 'A', 'A', 'v1', ${now}, '{"score":100,"grade":"A","period":"2026Q4","deductions":[]}');
-- kanto-rail was assessed (a finished scan): its grade C is real. hokkaido-water never was:
-- the stored "A" above must show nowhere (未診断).
INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) VALUES ('kanto-rail', 'connect', '443', ${now - 7200}, ${now - 7100}, 'done', '{"targets":["127.0.10.0/28"]}');
INSERT INTO services (org_slug, ip, port, proto, service, tls, product, version, cpe, tls_info, state, first_seen, last_seen)
 VALUES ('kanto-rail', '192.0.2.10', 443, 'tcp', 'https', 1, 'Apache httpd', '2.4.49', 'cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*', ${q(tls)}, 'identified', ${now}, ${now}),
 ('kanto-rail', '192.0.2.11', 3389, 'tcp', 'ms-wbt-server', 0, '', '', '', NULL, 'identified', ${now}, ${now}),
 ('kanto-rail', '192.0.2.11', 8080, 'tcp', 'http-proxy', 0, '', '', '', NULL, 'identified', ${now}, ${now});
INSERT INTO alerts (id, org_slug, issue_key, subject, body, created_at, urgent, ack_token_sha256)
 VALUES (301, 'kanto-rail', 'vuln:CVE-2021-41773', '[mamori] 緊急: vuln:CVE-2021-41773 / Urgent: kanto-rail', '緊急の対応をお願いします', ${now - 600}, 1, 'e2e301'),
 (302, 'kansai-rail', 'notice:kev:CVE-2024-0002', '関西の警報 notice', '関西向け', ${now - 300}, 1, 'e2e302');
INSERT INTO alert_targets (alert_id, channel, target, state, attempts, delivered_at)
 VALUES (301, 'email', 'soc@kanto-rail.test', 'delivered', 1, ${now - 540}), (302, 'email', 'soc@kansai-rail.test', 'pending', 0, NULL);`]);
}

async function main() {
	const tmp = tmpdir("mamori-e2e");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(SRC, "examples", "inventory.yaml"));
	mamori(db, "user", "add", "analyst", "--role", "analyst", "--display", "分析 花子");
	mamori(db, "user", "add", "bureau", "--role", "bureau", "--sector", "railways", "--display", "鉄道局 担当");
	mamori(db, "user", "add", "operator", "--role", "operator", "--org", "kanto-rail", "--display", "関東旅客鉄道 CSIRT");
	mamori(db, "user", "add", "member", "--role", "member", "--display", "共有会員");
	mamori(db, "user", "add", "admin", "--role", "admin", "--display", "管理者");
	seed(db);
	const reports = path.join(tmp, "reports");
	mamori(db, "report", "quarterly", "kanto-rail", "--period", "2026Q4", "--out", reports);
	mamori(db, "report", "quarterly", "kanto-rail", "--period", "2026Q4", "--lang", "en", "--out", reports);
	mamori(db, "report", "quarterly", "kansai-rail", "--period", "2026Q4", "--out", reports);
	SERVE_EXTRA.push("--reports-dir", reports);
	const net = await import("node:net");
	const listener = net.createServer((c) => c.destroy());
	await new Promise((res) => listener.listen(0, "127.0.10.2", res));
	scanPort = listener.address().port;
	const { proc, base } = await startServer(db, tmp, SERVE_EXTRA);
	let ctx;
	try {
		ctx = await launchContext(tmp, {
			locale: "ja-JP",
			viewport: { width: 1280, height: 800 },
		});
		const page = await ctx.newPage();
		const r = await page.goto(base + "/");
		check(new URL(page.url()).pathname === "/login", "anonymous: / sends to the login page");
		check(r.headers()["content-security-policy"]?.includes("frame-ancestors 'none'"), "CSP header");
		await shot(page, "login");
		await page.fill("#name", "analyst");
		await page.fill("#password", "wrong password");
		await page.click("#login");
		check((await page.locator("#login-message").count()) === 1, "wrong password: message shown");
		await page.close();
		for (const role of Object.keys(ROLES)) {
			await ctx.clearCookies();
			await asRole(ctx, base, role);
		}
		await ctx.clearCookies();
		await alertsFlow(ctx, base);
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
		listener.close();
	}
	finish();
}

run(main);
