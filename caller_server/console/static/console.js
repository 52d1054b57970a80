// The console's own script (served from /admin/static/, never inline: the CSP forbids it).
// Forms marked data-confirm ask before they submit (closing, releasing, voiding).
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
// Reading a report, the organiser may pick a different column for a field: keep the
// "check again" button in view of what changed.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.matches && select.matches("select[data-mapping]")) {
    var form = select.form;
    var note = form && form.querySelector("[data-mapping-note]");
    if (note) { note.hidden = false; }
  }
});
