// incident.js - the attachment form of an incident page: sends the chosen file as the body of
// POST /api/v1/incidents/{id}/attachments?name=FILE (the server keeps its bytes and SHA-256 and
// never renders them), then reloads the page. Loaded from /static (CSP: no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	var form = document.getElementById("attach-form");
	if (!form) { return; }
	form.addEventListener("submit", function (ev) {
		ev.preventDefault();
		var input = document.getElementById("attach-file");
		var status = document.getElementById("attach-status");
		var csrf = form.querySelector("input[name='csrf']");
		var fail = document.documentElement.lang === "en" ? "upload failed" : "添付できませんでした";
		if (!input.files.length) { return; }
		var file = input.files[0];
		status.textContent = "…";
		fetch(form.getAttribute("data-url") + "?name=" + encodeURIComponent(file.name), {
			method: "POST",
			credentials: "same-origin",
			headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": csrf ? csrf.value : "" },
			body: file,
		}).then(function (r) {
			return r.json().then(function (j) { return { ok: r.ok, j: j }; });
		}).then(function (res) {
			if (res.ok) { window.location.reload(); return; }
			// the error's own half in the page's language (error.text), the bilingual
			// message only when the server gave none
			var e = res.j && res.j.error;
			status.textContent = (e && (e.text || e.message)) || fail;
		}).catch(function () { status.textContent = fail; });
	});
});
