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
/* Text limits (data-maxchars): a live count under the box, and over the limit the browser refuses to send
   the form with the page's message (setCustomValidity), keeping every character typed. No maxlength: it
   would cut a pasted text silently. The count is of characters as the server counts them (trimmed). */
function countChars(box) {
  var limit = parseInt(box.getAttribute("data-maxchars"), 10);
  var used = Array.from(box.value.trim()).length;
  var shown = document.querySelector("[data-count-of='" + box.name + "']");
  if (shown) {
    shown.textContent = used.toLocaleString("vi-VN");
    shown.parentNode.classList.toggle("over", used > limit);
  }
  box.setCustomValidity(used > limit ? box.getAttribute("data-over-message") : "");
}
document.addEventListener("input", function (event) {
  if (event.target.matches("[data-maxchars]")) { countChars(event.target); }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-maxchars]").forEach(countChars);
});
