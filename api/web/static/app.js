/* loaxa: the little JavaScript the pages need (htmx does the rest). */
document.addEventListener("click", function (event) {
  /* Confirm buttons that say so (reject, revoke, publish). */
  var target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  /* Copy buttons: data-copy names the element whose text goes to the clipboard. */
  var copy = event.target.closest("[data-copy]");
  if (copy && navigator.clipboard) {
    var source = document.getElementById(copy.getAttribute("data-copy"));
    if (source) { navigator.clipboard.writeText(source.textContent); }
  }
});
/* Selects that apply at once (no inline handlers: the Content-Security-Policy forbids them). */
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]") && event.target.form) { event.target.form.submit(); }
});
/* The header menu (a <details>) is open on a wide screen; browsers without ::details-content need it opened. */
(function () {
  var menu = document.querySelector("header details.menu");
  if (menu && window.matchMedia("(min-width: 701px)").matches) { menu.open = true; }
})();
