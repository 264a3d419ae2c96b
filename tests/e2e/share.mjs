// share.mjs - the sharing console (issue #21) as people use it: Playwright (playwright-core)
// driving Debian's chromium against `mamori serve` on 127.0.0.1. A member opens the ISAC
// collection, filters objects, sees TLP badges in the TLP 2.0 colours, opens an indicator with
// its relationships, publishes an indicator on an operator's address; the operator gets the
// urgent alert; a TLP:RED object stays hidden from the member (not a named recipient) and the
// operator without access sees no collection. Screenshots in $MAMORI_BUILD_DIR/e2e/.
import fs from "node:fs";
import path from "node:path";
import { SRC, DATA, OUT, check, mamori, startServer, login, launchContext, tmpdir, finish, run, checkLanguages } from "./lib.mjs";

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });
}

async function main() {
	const tmp = tmpdir("mamori-e2e-share");
	const db = path.join(tmp, "m.db");
	mamori(db, "init");
	mamori(db, "inventory", "import", path.join(SRC, "examples", "inventory.yaml"));
	mamori(db, "user", "add", "member", "--role", "member", "--display", "共有会員");
	mamori(db, "user", "add", "operator", "--role", "operator", "--org", "kanto-rail");
	mamori(db, "user", "add", "op2", "--role", "operator", "--org", "kansai-rail");
	mamori(db, "share", "collection", "add", "isac", "--title", "交通ISAC 共有", "--tlp", "amber",
		"--read", "role:member,org:kanto-rail", "--write", "role:member");
	mamori(db, "share", "import", path.join(DATA, "stix/cti-stix2-json-schemas/examples/indicators-for-C2-with-COA.json"),
		"--collection", "isac");
	const red = path.join(tmp, "red.json");
	fs.writeFileSync(red, JSON.stringify({ objects: [{ type: "indicator", spec_version: "2.1",
		id: "indicator--7f0c1b0e-5d4c-4c43-9d7c-3c2b1a0f9e8d", created: "2026-01-01T00:00:00.000Z",
		modified: "2026-01-01T00:00:00.000Z", name: "secret red indicator", pattern: "[domain-name:value = 'red.example']",
		pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z",
		object_marking_refs: ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"] }] }));
	mamori(db, "share", "import", red, "--collection", "isac");
	const { proc, base } = await startServer(db, tmp);
	let ctx;
	try {
		ctx = await launchContext(tmp, {
			locale: "ja-JP",
			viewport: { width: 1280, height: 860 },
		});
		const page = await ctx.newPage();
		await login(page, base, "member");
		await page.goto(base + "/share");
		check((await page.locator("#collections tbody tr").count()) === 1, "member: one collection listed");
		await shot(page, "share-collections");
		await Promise.all([page.waitForNavigation(), page.click("#collections a[href='/share/isac']")]);
		check((await page.locator("#coll-title").innerText()).includes("交通ISAC"), "member: collection page");
		const rows = await page.locator("#objects tbody tr").count();
		check(rows === 8, `member: 8 objects listed, got ${rows}`);
		check(!(await page.locator("#objects").innerText()).includes("secret red"), "member: the TLP:RED indicator is hidden");
		const colour = await page.locator("#objects .tlp-amber").first().evaluate((el) => getComputedStyle(el).color);
		const bg = await page.locator("#objects .tlp-amber").first().evaluate((el) => getComputedStyle(el).backgroundColor);
		check(colour === "rgb(255, 192, 0)" && bg === "rgb(0, 0, 0)", `member: TLP:AMBER badge #FFC000 on black (${colour} on ${bg})`);
		await shot(page, "share-objects");
		// filter by type, then search text
		// STIX types named in Japanese, the code beside them (issue 14)
		const typeCells = await page.locator("#objects td.stix-type").allInnerTexts();
		check(typeCells.some((t) => t.startsWith("指標") && t.includes("indicator")) &&
			(await page.locator("#objects td.stix-type code").count()) === typeCells.length,
			`member: STIX types named with their code beside: ${typeCells}`);
		const kinds = await page.locator("#p-kind option").allInnerTexts();
		check(kinds.includes("IPv4 アドレス") && kinds.includes("SHA-256 ハッシュ値") && !kinds.includes("sha256"),
			`member: indicator kinds named in Japanese: ${kinds}`);
		await page.selectOption("#f-type", "indicator");
		await Promise.all([page.waitForNavigation(), page.click("form.filter button")]);
		check((await page.locator("#objects tbody tr").count()) === 2, "member: type filter shows 2 indicators");
		await page.selectOption("#f-type", "");
		await page.fill("#f-q", "Poison Ivy");
		await Promise.all([page.waitForNavigation(), page.click("form.filter button")]);
		const found = await page.locator("#objects tbody tr td:first-child").allInnerTexts();
		check(found.some((t) => t.includes("マルウェア") && t.includes("malware")), `member: text search finds the malware (${found})`);
		// one indicator, its relationship
		await page.goto(base + "/share/isac?type=indicator");
		await Promise.all([page.waitForNavigation(), page.click("#objects a:has-text('IP Address for known C2 channel')")]);
		check((await page.locator("pre.stix").innerText()).includes("[ipv4-addr:value = '10.0.0.0']"), "member: object shown verbatim");
		check((await page.locator("#related li.relationship").count()) >= 1, "member: its relationships");
		await shot(page, "share-object");
		// publish an indicator on kanto-rail's address: the operator gets the alert
		await page.goto(base + "/share/isac");
		await page.selectOption("#p-kind", "ipv4");
		await page.fill("#p-values", "127.0.10.4\n198.51.100.200");
		await page.fill("#p-name", "DDoS 攻撃元");
		await page.selectOption("#p-tlp", "green");
		await Promise.all([page.waitForNavigation(), page.click("#publish button")]);
		const pub = await page.locator("#objects").innerText();
		check(pub.includes("DDoS 攻撃元") && (await page.locator("#objects .tlp-green").count()) === 2,
			"member: published indicators listed as TLP:GREEN");
		const green = await page.locator("#objects .tlp-green").first().evaluate((el) => getComputedStyle(el).color);
		check(green === "rgb(51, 255, 0)", `TLP:GREEN badge #33FF00 (${green})`);
		await shot(page, "share-published");
		// in English no Japanese but stored texts, in Japanese Japanese
		await checkLanguages(page, base + "/share", "member collections", (p) => shot(p, "share-collections-en"));
		await checkLanguages(page, base + "/share/isac", "member objects", (p) => shot(p, "share-objects-en"));
		await checkLanguages(page, base + "/share/isac?type=indicator", "member indicators");
		await ctx.clearCookies();
		await login(page, base, "operator");
		await page.goto(base + "/alerts");
		check((await page.locator("body").innerText()).includes("127.0.10.4"), "operator: urgent alert for the sighted address");
		await page.goto(base + "/share/isac");
		check((await page.locator("#objects tbody tr").count()) >= 8, "operator (org:kanto-rail): reads the collection");
		check(!(await page.locator("#objects").innerText()).includes("secret red"), "operator: TLP:RED hidden too");
		await ctx.clearCookies();
		await login(page, base, "op2");
		await page.goto(base + "/share");
		check((await page.locator("#collections tbody tr").count()) === 0, "other operator: no collection");
		const r = await page.goto(base + "/share/isac");
		check(r.status() === 404, `other operator: the collection answers 404 (${r.status()})`);
		await page.close();
	} finally {
		if (ctx) await ctx.close();
		proc.kill("SIGTERM");
	}
	finish();
}

run(main);
