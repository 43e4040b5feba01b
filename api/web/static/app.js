/* loaxa: the little JavaScript the pages need (htmx does the rest). */
document.addEventListener("click", function (event) {
  /* Confirm buttons that say so (reject, revoke, publish). */
  var target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
});
