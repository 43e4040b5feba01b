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
/* Form checks speak the page's language, not the browser's ("Please fill out this field."): the texts are
   data-v-* attributes of <body>, translated with the rest of the page. */
(function () {
  var text = document.body ? document.body.dataset : {};
  function say(key, n) { return (text[key] || "").replace("{n}", n); }
  function message(field) {
    var v = field.validity;
    if (v.valueMissing) {
      if (field.type === "checkbox" || field.type === "radio") { return say("vCheck"); }
      if (field.type === "file") { return say("vFile"); }
      return field.tagName === "SELECT" ? say("vChoose") : say("vRequired");
    }
    if (v.typeMismatch) { return field.type === "url" ? say("vUrl") : field.type === "email" ? say("vEmail") : say("vType"); }
    if (v.patternMismatch) {
      var like = field.getAttribute("placeholder");
      return field.getAttribute("title") || (like ? say("vPatternLike", like) : say("vPattern"));
    }
    if (v.tooShort) { return say("vTooShort", field.minLength); }
    if (v.tooLong) { return say("vTooLong", field.maxLength); }
    if (v.rangeUnderflow) { return say("vMin", field.min); }
    if (v.rangeOverflow) { return say("vMax", field.max); }
    if (v.badInput) { return say("vNumber"); }
    if (v.stepMismatch) { return say("vStep"); }
    return "";
  }
  document.addEventListener("invalid", function (event) {
    var field = event.target;
    if (!field.setCustomValidity) { return; }
    field.setCustomValidity("");
    if (!field.validity.valid) { field.setCustomValidity(message(field)); }
  }, true);
  function clear(event) { if (event.target.setCustomValidity) { event.target.setCustomValidity(""); } }
  document.addEventListener("input", clear, true);
  document.addEventListener("change", clear, true);
})();
