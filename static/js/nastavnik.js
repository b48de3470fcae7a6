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
