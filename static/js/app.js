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
