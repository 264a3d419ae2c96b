// scan.js - the scan progress page (/scans/{id}) follows its scan without a reload:
// polls /api/v1/scans/{id} (same origin, the session cookie) and reloads once it ends.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	var sec = document.getElementById("scan");
	if (!sec || sec.getAttribute("data-active") !== "1") { return; }
	var id = sec.getAttribute("data-id"), polls = 0;
	// the same words as web_scan_state_label (page_scans.c)
	var ja = { queued: "待機中", running: "実行中", identifying: "識別中", done: "完了",
		interrupted: "中断", failed: "失敗" };
	var inJa = document.documentElement.lang === "ja";
	function set(name, v) {
		var el = document.getElementById(name);
		if (el) { el.textContent = v; }
	}
	function tick() {
		if (++polls > 3600) { return; } // at most an hour of polling
		fetch("/api/v1/scans/" + encodeURIComponent(id), { credentials: "same-origin" })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(function (s) {
				if (!s) { return; }
				set("scan-state", inJa && ja[s.state] ? ja[s.state] : s.state);
				set("scan-sent", s.sent);
				set("scan-received", s.received);
				set("scan-open", s.open);
				set("scan-percent", s.percent === null ? "—" : s.percent + "%");
				set("scan-elapsed", Math.round(s.elapsed) + " s");
				if (s.state === "queued" || s.state === "running" || s.state === "identifying") {
					window.setTimeout(tick, 1000);
				} else {
					window.location.reload();
				}
			})
			.catch(function () { window.setTimeout(tick, 3000); });
	}
	window.setTimeout(tick, 1000);
});
