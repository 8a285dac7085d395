// The dispense counter: one pack-code field per pack, filled by a barcode scanner (each
// scan ends with Enter). A malformed or repeated scan is flagged where it is; a good one
// moves the focus to the next empty field, then to the submit button.
(function () {
  "use strict";

  const PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  const ARABIC = "٠١٢٣٤٥٦٧٨٩";

  function latin(text) {
    return String(text)
      .replace(/[۰-۹]/g, (d) => String(PERSIAN.indexOf(d)))
      .replace(/[٠-٩]/g, (d) => String(ARABIC.indexOf(d)));
  }
  function persian(text) { return String(text).replace(/[0-9]/g, (d) => PERSIAN[d]); }
  function clean(value) { return latin(value).replace(/[\s-]/g, ""); }
  function codeFields() { return Array.from(document.querySelectorAll("input.pack-code")); }

  function feedback(input) { return input.parentElement.querySelector(".invalid-feedback"); }

  function flag(input, message) {
    input.classList.toggle("is-invalid", Boolean(message));
    if (message) { input.setAttribute("aria-invalid", "true"); }
    else { input.removeAttribute("aria-invalid"); }
    const box = feedback(input);
    if (box) { box.textContent = message; }
  }

  // Returns true when the field holds a well-formed code not scanned elsewhere.
  function check(input) {
    const value = clean(input.value);
    input.value = value;
    let message = "";
    if (value && !/^[0-9]{16}$/.test(value)) {
      message = "کد اصالت باید ۱۶ رقم باشد؛ دوباره اسکن کنید.";
    } else if (value && codeFields().some((o) => o !== input && clean(o.value) === value)) {
      message = "این کد یک بار اسکن شده است؛ بسته دیگری را اسکن کنید.";
    }
    flag(input, message);
    return value !== "" && message === "";
  }

  function label(row) {
    const name = row.dataset.name || "";
    row.querySelectorAll("input.pack-code").forEach((input, index) => {
      input.setAttribute("aria-label", "کد اصالت بسته " + persian(index + 1) + " " + name);
      const box = feedback(input);
      if (box) {
        box.id = "pack-feedback-" + input.name + "-" + (index + 1);
        input.setAttribute("aria-describedby", box.id);
      }
    });
  }

  // As many code fields as the quantity needs packs; fields already filled are kept.
  function resize(row) {
    const quantityField = row.querySelector(".dispense-quantity");
    const box = row.querySelector(".pack-codes");
    const template = row.querySelector("template.pack-code-template");
    if (!quantityField || !box || !template) { return; }
    const size = parseInt(row.dataset.packSize, 10) || 0;
    const quantity = parseInt(clean(quantityField.value), 10) || 0;
    const tracked = row.dataset.tracked === "1";
    const needed = quantity <= 0 ? 0 : (size ? Math.ceil(quantity / size) : 1);
    let fields = Array.from(box.querySelectorAll("input.pack-code"));
    const target = tracked ? needed : Math.min(fields.length, needed);
    while (fields.length < target) {
      box.appendChild(template.content.firstElementChild.cloneNode(true));
      fields = Array.from(box.querySelectorAll("input.pack-code"));
    }
    for (let i = fields.length - 1; i >= target; i -= 1) {
      if (!fields[i].value) { fields[i].parentElement.remove(); }
    }
    label(row);
    const hint = row.querySelector(".pack-hint");
    if (hint && size && quantity > 0) {
      const full = Math.floor(quantity / size);
      const rest = quantity - full * size;
      const parts = Array(full).fill(persian(size));
      if (rest) { parts.push(persian(rest)); }
      hint.textContent = persian(needed) + " بسته: " + parts.join(" + ");
    }
  }

  function next(from) {
    const fields = codeFields();
    const after = fields.slice(fields.indexOf(from) + 1).find((o) => !o.value);
    const target = after || document.querySelector("[data-testid=dispense]");
    if (target) { target.focus(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey) { return; }
    const target = event.target;
    if (target.matches("input.pack-code")) {
      event.preventDefault();  // a scanner's Enter never submits the form
      if (check(target)) { next(target); } else { target.select(); }
    } else if (target.matches("input.dispense-quantity")) {
      event.preventDefault();
      const row = target.closest(".dispense-row");
      resize(row);
      const empty = Array.from(row.querySelectorAll("input.pack-code")).find((o) => !o.value);
      (empty || target).focus();
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("input.dispense-quantity")) {
      resize(event.target.closest(".dispense-row"));
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("input.pack-code")) { check(event.target); }
  });

  document.querySelectorAll(".dispense-row").forEach(resize);
})();
