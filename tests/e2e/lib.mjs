// lib.mjs - the preamble every browser test shares: where the binary, the sources and the
// screenshots are, the check counter, `mamori` through the CLI, `mamori serve` on 127.0.0.1
// with a port file, logging in, Debian's chromium through playwright-core, and the
// "N passed, M failed" ending. Not a test itself (tests/CMakeLists.txt leaves it out).
import { chromium } from "playwright-core";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const M = process.env.MAMORI;
export const SRC = process.env.MAMORI_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
export const DATA = process.env.MAMORI_DATA_DIR || path.resolve(SRC, "../shared/data");
export const OUT = path.join(process.env.MAMORI_BUILD_DIR || os.tmpdir(), "e2e");
export const PASSWORD = "correct horse battery";

const counts = { passed: 0, failed: 0 };

export function check(ok, what) {
	if (ok) counts.passed++;
	else { counts.failed++; console.log("FAIL: " + what); }
	return ok;
}

// Reports leave cairo/fontconfig/pango caches at exit (asan builds): the project's suppressions.
export function suppressCairoLeaks() {
	process.env.LSAN_OPTIONS = `suppressions=${path.join(SRC, "tests/support/lsan-cairo.supp")}` +
		(process.env.LSAN_OPTIONS ? ":" + process.env.LSAN_OPTIONS : "");
}

export function mamori(db, ...args) {
	return execFileSync(M, ["--db", db, ...args], { env: { ...process.env, MAMORI_PASSWORD: PASSWORD } }).toString();
}

// A fresh temporary directory (NAME-XXXXXX) and the screenshot directory.
export function tmpdir(name) {
	if (!M) throw new Error("MAMORI must name the built binary");
	fs.mkdirSync(OUT, { recursive: true });
	return fs.mkdtempSync(path.join(os.tmpdir(), name + "-"));
}

// `mamori serve` on 127.0.0.1:0 with two threads; EXTRA are more serve options.
export async function startServer(db, tmp, extra = []) {
	const portFile = path.join(tmp, "port");
	const log = fs.openSync(path.join(tmp, "serve.log"), "a");
	const proc = spawn(M, ["--db", db, "serve", "--listen", "127.0.0.1:0", "--threads", "2", "--port-file", portFile, ...extra],
		{ stdio: ["ignore", log, log] });
	for (let i = 0; i < 300; i++) {
		if (fs.existsSync(portFile) && fs.readFileSync(portFile, "utf8").trim())
			return { proc, base: "http://127.0.0.1:" + fs.readFileSync(portFile, "utf8").trim() };
		await new Promise((r) => setTimeout(r, 50));
	}
	proc.kill("SIGTERM");
	throw new Error("server did not start");
}

export async function login(page, base, name) {
	await page.goto(base + "/login");
	await page.fill("#name", name);
	await page.fill("#password", PASSWORD);
	await Promise.all([page.waitForNavigation(), page.click("#login")]);
}

export async function submit(page, sel) {
	await Promise.all([page.waitForNavigation(), page.click(sel)]);
}

const CHROMIUM = {
	executablePath: "/usr/bin/chromium",
	headless: true,
	args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
};

// Debian's chromium with a profile under TMP; OPTS adds locale, viewport ….
export function launchContext(tmp, opts = {}) {
	const profile = fs.mkdtempSync(path.join(tmp, "profile-"));
	return chromium.launchPersistentContext(profile, { ...CHROMIUM, ...opts });
}

export function launchBrowser() {
	return chromium.launch(CHROMIUM);
}

// Prints "N passed, M failed" (and where the screenshots are, when SHOTS) and exits.
export function finish(shots = true) {
	if (shots) console.log(`screenshots: ${OUT}`);
	console.log(`${counts.passed} passed, ${counts.failed} failed`);
	process.exit(counts.failed ? 1 : 0);
}

// Runs MAIN; an exception is one more failure.
export function run(main) {
	main().catch((err) => {
		console.log("FAIL: " + (err && err.stack ? err.stack : err));
		console.log(`${counts.passed} passed, ${counts.failed + 1} failed`);
		process.exit(1);
	});
}

// Japanese on an English page: the Japanese text (kana, kanji, full-width forms) of the page's
// body, its attributes people read (placeholder, title, aria-label, button values) included,
// outside elements marked as showing text as stored (data-stored: user-entered text, company
// names that exist only in Japanese) or as Japanese on purpose (lang="ja": the language switch).
// Returns the offending snippets (empty when the page is clean).
export async function japaneseOn(page) {
	return page.evaluate(() => {
		const jp = /[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]/;
		const skip = (el) => !el || el.closest("[data-stored], [lang=ja], script, style, template");
		const out = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n; (n = walk.nextNode());)
			if (jp.test(n.data) && !skip(n.parentElement)) out.push(n.data.trim().slice(0, 80));
		for (const el of document.body.querySelectorAll("[placeholder], [title], [aria-label], input[type=submit], input[type=button]"))
			for (const a of ["placeholder", "title", "aria-label", "value"])
				if (el.hasAttribute(a) && jp.test(el.getAttribute(a)) && !skip(el))
					out.push(a + "=" + el.getAttribute(a).slice(0, 80));
		return out;
	});
}

// Visits URL in English and in Japanese: the English page has no Japanese outside marked
// elements, the Japanese page shows Japanese (WHAT names the page; SHOT, when given, takes the
// English screenshot under that name). Leaves the page in Japanese.
export async function checkLanguages(page, url, what, shot) {
	const sep = url.includes("?") ? "&" : "?";
	await page.goto(url + sep + "lang=en");
	const bad = await japaneseOn(page);
	check(bad.length === 0, what + ": the English page shows Japanese: " + JSON.stringify(bad.slice(0, 12)));
	if (shot) await shot(page);
	await page.goto(url + sep + "lang=ja");
	const body = await page.locator("main").innerText();
	check(/[\u3040-\u30ff\u4e00-\u9fff]/.test(body), what + ": the Japanese page shows Japanese");
}
