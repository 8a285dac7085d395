// The prescribing form: pick catalog results into rows, keyboard-first, live preview.
(function () {
  "use strict";
  let pendingPick = null;
  const DIGITS = /^[0-9۰-۹٠-٩\s.,٫]+$/;

  function hint(form, text) {
    const box = form.querySelector(".search-hint");
    if (box) { box.textContent = text; }
    const search = form.querySelector("[data-role=catalog-search]");
    if (text) { search.setAttribute("aria-invalid", "true"); }
    else { search.removeAttribute("aria-invalid"); }
  }

  function refresh(form) { if (window.htmx) { htmx.trigger(form, "refresh"); } }

  function addRow(form, data) {
    const template = form.querySelector("template.rx-row-template");
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector("input[name=code]").value = data.code;
    row.querySelector(".rx-name").textContent = data.name;
    row.querySelector(".rx-code").textContent = data.code;
    const quantity = row.querySelector("input[name=quantity]");
    if (form.dataset.kind !== "drug") { quantity.value = "1"; }
    form.querySelector("tbody.rx-rows").appendChild(row);
    const search = form.querySelector("[data-role=catalog-search]");
    search.value = "";
    hint(form, "");
    form.querySelector(".catalog-results").innerHTML = "";
    quantity.focus();
    quantity.select();
    refresh(form);
  }

  document.addEventListener("click", function (event) {
    const pick = event.target.closest(".catalog-pick");
    if (pick) { addRow(pick.closest("form"), pick.dataset); return; }
    const swap = event.target.closest(".rx-swap");
    if (swap) {
      // the cost proposal: the cheaper member of the generic group, in place of the item
      const form = swap.closest("form");
      form.querySelectorAll("tbody.rx-rows tr").forEach(function (row) {
        const code = row.querySelector("input[name=code]");
        if (code && code.value === swap.dataset.code) {
          code.value = swap.dataset.alternative;
          row.querySelector(".rx-name").textContent = swap.dataset.name;
          row.querySelector(".rx-code").textContent = swap.dataset.alternative;
        }
      });
      refresh(form);
      return;
    }
    const remove = event.target.closest(".rx-remove");
    if (remove) {
      const form = remove.closest("form");
      remove.closest("tr").remove();
      form.querySelector("[data-role=catalog-search]").focus();
      refresh(form);
    }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const form = target.closest && target.closest("form.rx-form");
    if (!form) { return; }
    const results = form.querySelector(".catalog-results");
    if (target.matches("[data-role=catalog-search]")) {
      if (event.key === "Enter") {
        event.preventDefault();
        const text = target.value.trim();
        const first = results.querySelector(".catalog-pick");
        if (DIGITS.test(text)) {
          // A quantity typed after a failed search must not pick a drug by its code.
          hint(form, "ابتدا دارو را پیدا و انتخاب کنید؛ عدد در خانه تعداد نوشته می‌شود.");
          target.select();
        } else if (first) { addRow(form, first.dataset); }
        else if (text.length >= 2 && form.dataset.searched === text) {
          hint(form, "موردی پیدا نشد؛ نام دیگری را امتحان کنید.");
          target.select();  // what is typed next replaces the failed search
        } else if (text.length >= 2) { pendingPick = form; }
      } else if (event.key === "ArrowDown") {
        const first = results.querySelector(".catalog-pick");
        if (first) { event.preventDefault(); first.focus(); }
      }
    } else if (target.matches(".catalog-pick")) {
      const items = Array.from(results.querySelectorAll(".catalog-pick"));
      const index = items.indexOf(target);
      if (event.key === "ArrowDown" && index < items.length - 1) { event.preventDefault(); items[index + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? items[index - 1] : form.querySelector("[data-role=catalog-search]")).focus();
      }
    } else if (target.matches(".rx-row input, .rx-row select")) {
      if (event.key === "Enter") {  // next item, not a premature submit
        event.preventDefault();
        refresh(form);
        form.querySelector("[data-role=catalog-search]").focus();
      }
    }
  });

  // Any change to an item row refreshes the rules and the split (not the search box or the
  // override checkbox). Done here rather than in an hx-trigger filter: the CSP forbids eval.
  document.addEventListener("change", function (event) {
    const form = event.target.closest && event.target.closest("form.rx-form");
    if (form && event.target.closest(".rx-row")) { refresh(form); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target.classList.contains("catalog-results")) { return; }
    const form = event.target.closest("form");
    const first = event.target.querySelector(".catalog-pick");
    const pendingWasHere = pendingPick === form;
    if (pendingWasHere) {
      pendingPick = null;
      if (first) { addRow(form, first.dataset); return; }
    }
    const search = form.querySelector("[data-role=catalog-search]");
    form.dataset.searched = search.value.trim();
    if (!first && search.value.trim().length >= 2) {
      hint(form, "موردی پیدا نشد؛ نام دیگری را امتحان کنید.");
      if (pendingWasHere) { search.select(); }  // Enter was pressed: the next typing replaces it
    } else {
      hint(form, "");
    }
  });
})();
