/* A double click must not submit a form twice: disable its buttons once it is on its way. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.method.toLowerCase() !== "post" || form.dataset.allowResubmit !== undefined) { return; }
  setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  }, 0);
});

/* Buttons and links with data-confirm ask before a destructive action. */
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) { event.preventDefault(); }
});

/* The portal runs under a Content-Security-Policy without inline script: the small behaviours of the
   pages live here, switched on by data attributes and element ids. */

/* <select data-autosubmit> sends its form when the choice changes (year pickers and the like). */
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
});

/* [data-print] prints the page; [data-back] goes back in the browser's history. */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  if (event.target.closest("[data-back]") && window.history.length > 1) { event.preventDefault(); window.history.back(); }
});

/* [data-copy-from="id"] copies that field's text; the button then says data-copied. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-from]");
  if (!button) { return; }
  var text = document.getElementById(button.dataset.copyFrom).value;
  navigator.clipboard.writeText(text).then(function () { button.textContent = button.dataset.copied || button.textContent; });
});

/* A block with data-when="name: value value" is shown only while its form's control of that name (a
   checked radio or a select) has one of the values. */
function nastavnikWhen() {
  document.querySelectorAll("[data-when]").forEach(function (block) {
    var parts = block.dataset.when.split(":");
    var name = parts[0].trim(), values = parts[1].trim().split(/\s+/);
    var scope = block.closest("form") || document;
    var control = scope.querySelector("[name='" + name + "']:checked") || scope.querySelector("select[name='" + name + "']");
    block.hidden = values.indexOf(control ? control.value : "") === -1;
  });
}
document.addEventListener("DOMContentLoaded", nastavnikWhen);
document.addEventListener("change", nastavnikWhen);

/* A questionnaire's question asks for options only when its type is «выбор варианта». */
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches("select[name$='-type']")) { return; }
  var row = select.closest(".card-body") && select.closest(".card-body").querySelector(".choices-row");
  if (row) { row.classList.toggle("d-none", select.value !== "choice"); }
});

/* An export being built: ask for its state every 1.5 s, reload once it is done or failed. */
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("export-job");
  if (!box || !box.dataset.inProgress) { return; }
  var bar = document.getElementById("export-progress");
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        bar.style.width = job.progress + "%";
        bar.textContent = job.progress + "%";
        bar.parentNode.setAttribute("aria-valuenow", job.progress);
        setTimeout(poll, 1500);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
});

/* <input type="checkbox" data-select-all="name"> ticks or clears every checkbox of that name in its
   form (the proposals of «Подобрать пары»), and follows them: ticked when all are. */
document.addEventListener("change", function (event) {
  var target = event.target;
  var scope = target.form || document;
  if (target.matches("input[data-select-all]")) {
    scope.querySelectorAll("input[type=checkbox][name='" + target.dataset.selectAll + "']").forEach(function (box) {
      box.checked = target.checked;
    });
    return;
  }
  if (target.matches("input[type=checkbox][name]")) {
    scope.querySelectorAll("input[data-select-all='" + target.name + "']").forEach(function (all) {
      var boxes = scope.querySelectorAll("input[type=checkbox][name='" + target.name + "']");
      all.checked = Array.prototype.every.call(boxes, function (box) { return box.checked; });
    });
  }
});
