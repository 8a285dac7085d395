// Site-wide keyboard help: Ctrl+Enter (⌘+Enter) submits the form you are in.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
  const form = event.target.closest && event.target.closest("form");
  if (form) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// Buttons that print the page (receipts, paper copies) without inline scripts.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-action=print]")) { window.print(); }
});

// Numbers typed into counter fields (quantities, doses) show in Persian digits; the server
// reads either. The caret stays where it was.
document.addEventListener("input", function (event) {
  const field = event.target;
  if (!field.matches || !field.matches("input.fa-num")) { return; }
  const persian = field.value.replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]);
  if (persian !== field.value) {
    const caret = field.selectionStart;
    field.value = persian;
    field.setSelectionRange(caret, caret);
  }
});

// The browser's own validation bubbles speak the browser's language: say it in Persian.
(function () {
  "use strict";
  function message(field) {
    const v = field.validity;
    if (v.valueMissing) { return "این خانه را پر کنید."; }
    if (v.typeMismatch || v.patternMismatch || v.badInput) { return "مقدار واردشده درست نیست."; }
    if (v.rangeUnderflow) { return "مقدار کمتر از حد مجاز است."; }
    if (v.rangeOverflow) { return "مقدار بیشتر از حد مجاز است."; }
    if (v.tooLong) { return "متن بلندتر از حد مجاز است."; }
    if (v.tooShort) { return "متن کوتاه‌تر از حد لازم است."; }
    return "";
  }
  document.addEventListener("invalid", function (event) {
    const field = event.target;
    field.setCustomValidity("");
    if (!field.validity.valid) { field.setCustomValidity(message(field)); }
  }, true);
  document.addEventListener("input", function (event) {
    if (event.target.setCustomValidity) { event.target.setCustomValidity(""); }
  });
})();
