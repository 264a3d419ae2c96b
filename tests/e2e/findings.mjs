// findings.mjs - issue 14 as an analyst and an operator work: search + sort + page numbers +
// CSV download on /findings; triage a finding to 誤検知 and see it stay closed after a rescan
// (`mamori findings update`, the real collector); acknowledge from the mail link (/ack/TOKEN);
// the operator's own dashboard; and the layout rule: at 1280x800 no console page, as any role,
// is wider than the window (scrollWidth > clientWidth). Playwright (playwright-core) driving
// Debian's chromium against `mamori serve` on 127.0.0.1. Prints "N passed, M failed" last.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SRC, OUT, check, mamori, startServer, login, launchContext, tmpdir, finish, run } from "./lib.mjs";

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
 (2000, 'kansai-rail', '198.51.100.7:23/tcp', 'risky:telnet', 'risky_service', 'network', '198.51.100.7', 23, 'tcp', 'open', 'critical', '関西の秘密 telnet / telnet', NULL, 0, ${now + 86400}, ${now}, ${now});
INSERT INTO scans (org_slug, mode, ports, started_at, finished_at, state, params) VALUES ('kanto-rail', 'connect', '3389', ${now - 7200}, ${now - 7100}, 'done', '{"targets":["127.0.10.0/28"]}');
INSERT INTO identify_runs (org_slug, started_at, finished_at, state, targets, identified, complete) VALUES ('kanto-rail', ${now - 7000}, ${now - 6900}, 'done', 1, 1, 1);
INSERT INTO services (org_slug, ip, port, proto, service, banner, state, first_seen, last_seen) VALUES ('kanto-rail', '127.0.10.7', 3389, 'tcp', 'ms-wbt-server', 'RDP', 'identified', ${now - 6950}, ${now - 6950}),
 ('kanto-rail', '127.0.10.8', 23, 'tcp', 'telnet', 'login:', 'identified', ${now - 6950}, ${now - 6950});
INSERT INTO alerts (id, org_slug, issue_key, subject, body, created_at, urgent, ack_token_sha256, what, host, deadline, prio)
 VALUES (301, 'kanto-rail', 'risky:rdp', '[mamori] 関東旅客鉄道株式会社: 緊急 1 件', '【緊急】RDP', ${now - 600}, 1, '${hash}', 'RDP', '127.0.10.7', ${now + 14 * 86400}, 1);`]);
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
	// page numbers over all 121 rows
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
	await shot(page, "operator-dashboard");
	await page.close();
}

// Every GET page as every role at 1280x800: no horizontal overflow.
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
				const resp = await page.goto(base + concrete(pattern) + (lang === "en" ? (pattern.includes("?") ? "&" : "?") + "lang=en" : ""));
				if (!resp || resp.status() !== 200 || !(resp.headers()["content-type"] || "").startsWith("text/html")) continue;
				const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
				check(sw <= cw, `${role} ${pattern} (${lang}): scrollWidth ${sw} > clientWidth ${cw}`);
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
		await layout(ctx, base, db);
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
	}
	finish(false);
}

run(main);
