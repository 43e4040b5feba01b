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
/* Searchable area pickers: a search box before every area select (and area checklist) of more than a few
   choices hides the ones that do not match. Matching ignores case, tones and letter marks ("dong" finds
   "Đông"), like core/collation.vn_fold. Without script the plain select and checklist work as before. */
var PICKER_MIN_CHOICES = 8;
function foldVi(text) {
  return text.toLowerCase().replace(/đ/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
}
function pickerBox(controls, count) {
  var english = document.documentElement.lang === "en";
  var box = document.createElement("input");
  box.type = "search";
  box.className = "picker-filter";
  box.placeholder = english ? "Find an area…" : "Tìm địa bàn…";
  box.setAttribute("aria-label", (english ? "Find an area among " : "Tìm trong ") + count +
                   (english ? " choices" : " địa bàn"));
  box.setAttribute("aria-controls", controls.id);
  box.setAttribute("autocomplete", "off");
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }  /* filtering never sends the form */
  });
  return box;
}
var pickerSerial = 0;
function enhanceAreaPicker(control, choices, apply) {
  if (choices.length < PICKER_MIN_CHOICES || control.getAttribute("data-picker") === "on") { return; }
  control.setAttribute("data-picker", "on");
  if (!control.id) { control.id = "area-picker-" + (++pickerSerial); }
  var label = control.closest("label");
  if (label && control.tagName === "SELECT" && !control.getAttribute("aria-label")) {
    /* The label now holds two controls: each gets its own name. */
    control.setAttribute("aria-label", label.firstChild && label.firstChild.textContent.trim() || "Địa bàn");
  }
  var box = pickerBox(control, choices.length);
  control.parentNode.insertBefore(box, control);
  box.addEventListener("input", function () {
    var wanted = foldVi(box.value);
    choices.forEach(function (choice) {
      choice.hidden = wanted !== "" && foldVi(choice.textContent).indexOf(wanted) < 0;
    });
    if (apply) { apply(); }
  });
}
function enhanceAreaPickers(root) {
  root.querySelectorAll("select[name=area_id], select[name=parent_id], select[name=area_ids]").forEach(function (select) {
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
    enhanceAreaPicker(select, options, function () {
      /* A single select shows the first match when what it held is filtered out. */
      var current = select.options[select.selectedIndex];
      if (!select.multiple && (!current || current.hidden)) {
        var first = options.find(function (o) { return !o.hidden; });
        if (first) { select.value = first.value; }
      }
    });
  });
  root.querySelectorAll(".checklist").forEach(function (list) {
    enhanceAreaPicker(list, Array.prototype.slice.call(list.querySelectorAll("label.check")), null);
  });
}
document.addEventListener("DOMContentLoaded", function () { enhanceAreaPickers(document); });
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
    if (field.matches("[data-maxchars]")) { countChars(field); }  /* over the text limit: that message */
    if (!field.validity.valid && !field.validity.customError) { field.setCustomValidity(message(field)); }
  }, true);
  function clear(event) {
    var field = event.target;
    if (!field.setCustomValidity) { return; }
    field.setCustomValidity("");
    if (field.matches && field.matches("[data-maxchars]")) { countChars(field); }
  }
  document.addEventListener("input", clear, true);
  document.addEventListener("change", clear, true);
})();
