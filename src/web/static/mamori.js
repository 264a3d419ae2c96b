// mamori console: small conveniences only; every page works without JavaScript.
// Loaded from /static (the Content-Security-Policy forbids inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
	// Submit the sector filter as soon as it changes.
	var sel = document.getElementById("sector");
	if (sel && sel.form) {
		sel.addEventListener("change", function () { sel.form.submit(); });
	}
	// Ask before disabling an account.
	document.querySelectorAll("form[action$='/disable']").forEach(function (f) {
		f.addEventListener("submit", function (ev) {
			var msg = document.documentElement.lang === "en" ? "Disable this user?" : "このユーザーを無効にしますか？";
			if (!window.confirm(msg)) { ev.preventDefault(); }
		});
	});
});
