// The offline counter (seed 002 §12). The paper copy's QR is a JWS signed by the site; it
// is verified here with WebCrypto against the site's public keys (kept by the service
// worker and in localStorage), the service is recorded in IndexedDB with its own key, and
// every recorded service is synced through the normal dispense when the site answers.
(function () {
  "use strict";
  const root = document.querySelector("[data-offline-counter]");
  if (!root) { return; }
  const $ = function (role) { return root.querySelector("[data-role=" + role + "]"); };
  const KEYS_STORE = "noskhe-paper-keys";
  const facility = root.dataset.facility;
  let current = null;  // {token, content}
  let syncing = false;

  function fa(value) {
    return String(value).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; });
  }
  function rial(value) { return fa(Number(value || 0).toLocaleString("en-US").replace(/,/g, "٬")); }
  function text(element, value) { element.textContent = value; return element; }
  function cell(row, value, className) {
    const td = document.createElement("td");
    if (className) { td.className = className; }
    text(td, value);
    row.appendChild(td);
    return td;
  }
  function tehranToday() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tehran" }).format(new Date());
  }
  function jalali(iso) {
    try {
      return new Intl.DateTimeFormat("fa-IR-u-ca-persian", {
        timeZone: "Asia/Tehran", dateStyle: "short", timeStyle: iso.length > 10 ? "short" : undefined,
      }).format(new Date(iso));
    } catch (error) { return iso; }
  }
  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // ---- IndexedDB: the services recorded on this device ----
  function database() {
    return new Promise(function (resolve, reject) {
      const open = indexedDB.open("noskhe-offline", 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("services", { keyPath: "key" });
      };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () { resolve(open.result); };
    });
  }
  async function services(mode, work) {
    const db = await database();
    return new Promise(function (resolve, reject) {
      const transaction = db.transaction("services", mode);
      const result = work(transaction.objectStore("services"));
      transaction.oncomplete = function () { resolve(result && result.result); };
      transaction.onerror = function () { reject(transaction.error); };
    });
  }
  function allServices() {
    return services("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (row) { return row.facility === facility; })
        .sort(function (a, b) { return a.served_at < b.served_at ? 1 : -1; });
    });
  }
  function saveService(row) { return services("readwrite", function (store) { return store.put(row); }); }

  // ---- the site's keys and the JWS ----
  function b64urlBytes(part) {
    const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
    const binary = atob(padded);
    return Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
  }
  async function siteKeys() {
    try {
      const response = await fetch(root.dataset.keysUrl, { credentials: "same-origin" });
      if (response.ok) {
        const body = await response.json();
        localStorage.setItem(KEYS_STORE, JSON.stringify(body.keys));
        return body.keys;
      }
    } catch (error) { /* offline: the kept copy below */ }
    return JSON.parse(localStorage.getItem(KEYS_STORE) || "[]");
  }
  async function verify(token) {
    const parts = token.trim().split(".");
    if (parts.length !== 3 || !parts[2]) { throw new Error("متن QR ناقص یا بریده است."); }
    let header, content;
    try {
      header = JSON.parse(new TextDecoder().decode(b64urlBytes(parts[0])));
      content = JSON.parse(new TextDecoder().decode(b64urlBytes(parts[1])));
    } catch (error) { throw new Error("متن QR یک نسخه کاغذی معتبر نیست."); }
    const keys = await siteKeys();
    if (!keys.length) { throw new Error("کلیدهای سامانه در این دستگاه نیست؛ یک بار با اتصال برقرار این صفحه را باز کنید."); }
    const jwk = keys.find(function (key) { return key.kid === header.kid; });
    if (!jwk) { throw new Error("این برگه با کلید این سامانه امضا نشده است."); }
    if (header.alg !== jwk.alg) { throw new Error("الگوریتم امضای برگه پذیرفته نیست."); }
    const data = new TextEncoder().encode(parts[0] + "." + parts[1]);
    const signature = b64urlBytes(parts[2]);
    let ok;
    if (jwk.alg === "ES256") {
      const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
        { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
    } else if (jwk.alg === "EdDSA") {
      const key = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x },
        { name: "Ed25519" }, false, ["verify"]);
      ok = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
    }
    if (!ok) { throw new Error("امضای برگه درست نیست؛ متن آن تغییر کرده است."); }
    if (!content.tracking_code || !Array.isArray(content.items)) { throw new Error("محتوای برگه کامل نیست."); }
    return content;
  }

  // ---- the page ----
  function connection(online, note) {
    const box = $("connection");
    box.className = "alert py-2 " + (online ? "alert-success" : "alert-warning");
    text(box, (online ? "اتصال به سامانه برقرار است." : "اتصال به سامانه قطع است؛ تحویل‌ها در این دستگاه نگه داشته می‌شوند.")
      + (note ? " " + note : ""));
  }

  function showCopy(content) {
    const form = $("serve-form");
    text($("patient"), content.patient.name + " · " + content.patient.national_code);
    text($("meta"), "کد رهگیری " + content.tracking_code + " · " + content.doctor.name + " (نظام پزشکی " +
      content.doctor.council_number + ") · " + content.facility.name + " · صدور " + jalali(content.issued_at) +
      " · معتبر تا " + jalali(content.valid_until));
    text($("signed"), content.doctor_signature ? "✔ امضای دیجیتال پزشک دارد" : "بدون امضای دیجیتال پزشک");
    $("abridged").hidden = !content.abridged;
    text($("online-status"), "");
    const body = $("items");
    body.textContent = "";
    content.items.forEach(function (item, index) {
      const row = document.createElement("tr");
      row.dataset.code = item.code;
      const name = cell(row, item.name + " ");
      const code = document.createElement("span");
      code.className = "ltr small text-body-secondary";
      text(code, item.code);
      name.appendChild(code);
      cell(row, fa(item.quantity) + (item.remaining === undefined ? ""
        : " (باقی‌مانده " + fa(item.remaining) + ")"), "num");
      cell(row, item.dosage || "—");
      cell(row, item.patient_share === undefined ? "—" : rial(item.patient_share), "num");
      const left = item.remaining === undefined ? item.quantity : item.remaining;
      const give = document.createElement("input");
      give.type = "number"; give.min = "0"; give.max = String(left);
      give.value = String(left); give.className = "form-control form-control-sm";
      give.disabled = left === 0;
      give.name = "give"; give.id = "give-" + index;
      give.setAttribute("aria-label", "تعداد تحویل " + item.name);
      cell(row, "").appendChild(give);
      const codes = document.createElement("textarea");
      codes.className = "form-control form-control-sm ltr"; codes.rows = 2; codes.name = "uids";
      codes.id = "uids-" + index; codes.setAttribute("aria-label", "کدهای اصالت " + item.name);
      codes.dataset.testid = "paper-uids";
      cell(row, "").appendChild(codes);
      body.appendChild(row);
    });
    text($("serve-error"), "");
    form.hidden = false;
    const first = body.querySelector("textarea, input");
    if (first) { first.focus(); }
  }

  async function checkOnline(content) {
    // When the site answers, say what it knows now (already served, cancelled, edited).
    if (!navigator.onLine) { return; }
    try {
      const response = await fetch(root.dataset.verifyUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ payload: current.token }),
      });
      if (!response.ok) { return; }
      const body = await response.json();
      const notes = { dispensed: "سامانه: همه اقلام این نسخه پیش‌تر تحویل شده است.",
        cancelled: "سامانه: این نسخه ابطال شده است.", expired: "سامانه: اعتبار نسخه گذشته است.",
        partially_dispensed: "سامانه: بخشی از این نسخه پیش‌تر تحویل شده است." };
      let note = notes[body.status] || "";
      if (body.current_version === false) { note += " سامانه: نسخه پس از چاپ این برگه ویرایش شده است."; }
      const box = $("online-status");
      box.className = "small mb-2 " + (note ? "text-danger" : "text-success");
      text(box, note || "سامانه: نسخه باز است و برگه با نسخه فعلی یکی است.");
    } catch (error) { /* offline after all */ }
    return content;
  }

  async function scan(event) {
    event.preventDefault();
    const token = root.querySelector("#qr-text").value.trim();
    text($("scan-error"), "");
    $("serve-form").hidden = true;
    if (!token) { text($("scan-error"), "متن QR را بخوانید یا بچسبانید."); return; }
    try {
      const content = await verify(token);
      if (content.kind !== root.dataset.kind) { throw new Error("این برگه از نوع نسخه‌های این مرکز نیست."); }
      if (content.valid_until < tehranToday()) { throw new Error("اعتبار این نسخه گذشته است."); }
      const earlier = (await allServices()).find(function (row) {
        return row.tracking_code === content.tracking_code && row.state !== "conflict";
      });
      if (earlier) { throw new Error("این نسخه پیش‌تر در همین دستگاه تحویل شده است."); }
      current = { token: token, content: content };
      showCopy(content);
      checkOnline(content);
    } catch (error) {
      const box = $("scan-error");
      box.className = "mt-2 text-danger";
      text(box, error.message);
    }
  }

  function linesFromForm() {
    const lines = [];
    const problems = [];
    $("items").querySelectorAll("tr").forEach(function (row) {
      const input = row.querySelector("input[name=give]");
      const give = Number(input.value);
      if (give > Number(input.max)) { problems.push("تعداد تحویل بیش از باقی‌مانده است."); }
      const uids = row.querySelector("textarea").value.split(/[\s,]+/).filter(Boolean)
        .map(function (uid) { return uid.replace(/[۰-۹]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".indexOf(d); }); });
      if (!give) { return; }
      if (!Number.isInteger(give) || give < 0) { problems.push("تعداد تحویل باید عدد صحیح باشد."); }
      uids.forEach(function (uid) { if (!/^\d{16}$/.test(uid)) { problems.push("کد اصالت " + uid + " باید ۱۶ رقم باشد."); } });
      if (new Set(uids).size !== uids.length) { problems.push("یک کد اصالت دو بار خوانده شده است."); }
      lines.push({ code: row.dataset.code, quantity: give, uids: uids });
    });
    if (!lines.length) { problems.push("دست‌کم یک قلم را تحویل دهید."); }
    return { lines: lines, problems: problems };
  }

  async function record(event) {
    event.preventDefault();
    if (!current) { return; }
    const entered = linesFromForm();
    if (entered.problems.length) { text($("serve-error"), entered.problems[0]); $("serve-error").className = "mb-2 text-danger"; return; }
    const method = root.querySelector("input[name=pay]:checked").value;
    const payment = { method: method, terminal_id: root.querySelector("#pay-terminal").value.trim(),
      reference: root.querySelector("#pay-reference").value.trim() };
    const row = {
      key: crypto.randomUUID(), facility: facility, token: current.token,
      tracking_code: current.content.tracking_code, patient: current.content.patient.name,
      lines: entered.lines, payment: payment, served_at: new Date().toISOString(),
      state: "pending", detail: "",
    };
    await saveService(row);
    current = null;
    $("serve-form").hidden = true;
    root.querySelector("#qr-text").value = "";
    root.querySelector("#qr-text").focus();
    await render();
    sync();
  }

  const STATES = { pending: "در انتظار همگام‌سازی", synced: "همگام شد", conflict: "مغایرت", rejected: "رد شد" };

  async function render() {
    const body = $("services");
    body.textContent = "";
    (await allServices()).forEach(function (row) {
      const tr = document.createElement("tr");
      tr.dataset.state = row.state;
      cell(tr, jalali(row.served_at), "num");
      cell(tr, row.patient);
      cell(tr, row.tracking_code, "ltr");
      const state = cell(tr, STATES[row.state] + (row.detail ? " — " + row.detail : ""));
      state.className = row.state === "conflict" || row.state === "rejected" ? "text-danger"
        : row.state === "synced" ? "text-success" : "text-warning-emphasis";
      state.dataset.testid = "offline-state";
      if (row.dispense) {
        const link = document.createElement("a");
        link.href = root.dataset.receiptUrl.replace("/0/", "/" + row.dispense + "/");
        text(link, " رسید");
        state.appendChild(link);
      }
      body.appendChild(tr);
    });
  }

  const KEEP_DAYS = 7;

  async function purge() {
    // Synced services leave the device after a week (the site has them); others stay.
    const cutoff = new Date(Date.now() - KEEP_DAYS * 86400000).toISOString();
    const old = (await allServices()).filter(function (row) {
      return row.state === "synced" && row.served_at < cutoff;
    });
    for (const row of old) {
      await services("readwrite", function (store) { return store.delete(row.key); });
    }
  }

  async function sync() {
    if (syncing || !navigator.onLine) { connection(navigator.onLine); return; }
    syncing = true;
    let note = "";
    try {
      await purge();
      const pending = (await allServices()).filter(function (row) { return row.state === "pending"; });
      for (const row of pending) {
        let response;
        try {
          response = await fetch(root.dataset.syncUrl, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
            body: JSON.stringify({ key: row.key, payload: row.token, lines: row.lines,
              served_at: row.served_at, payment: row.payment, facility: Number(row.facility) }),
          });
        } catch (error) { connection(false); return; }
        if (response.status === 401 || response.status === 403) {
          note = "برای همگام‌سازی دوباره وارد سامانه شوید؛ تحویل‌ها نگه داشته شده‌اند.";
          break;
        }
        let body = {};
        try { body = await response.json(); } catch (error) { body = {}; }
        if (response.status >= 500 || response.status === 429) {
          note = "سامانه پاسخ نداد؛ بعداً دوباره تلاش می‌شود.";
          break;  // the site is not back yet: the rest wait too
        }
        if (body.code === "facility_mismatch") {
          note = body.detail || "";
          continue;  // kept here until signed in at the facility that served it
        }
        if (response.status === 200 || response.status === 201) {
          row.state = "synced"; row.dispense = body.dispense && body.dispense.id; row.detail = "";
        } else if (response.status === 409) {
          row.state = "conflict"; row.detail = body.detail || "";
        } else {
          row.state = "rejected"; row.detail = body.detail || ("HTTP " + response.status);
        }
        await saveService(row);
      }
      connection(true, note);
    } finally {
      syncing = false;
      await render();
    }
  }

  async function registerWorker() {
    if (!("serviceWorker" in navigator)) { return; }
    try {
      await navigator.serviceWorker.register(root.dataset.swUrl, { scope: root.dataset.swUrl.replace(/sw\.js$/, "") });
    } catch (error) { /* the page still works while it is open */ }
  }

  root.querySelector("#qr-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { scan(event); }
  });
  $("scan-form").addEventListener("submit", scan);
  $("serve-form").addEventListener("submit", record);
  $("serve-cancel").addEventListener("click", function () {
    current = null; $("serve-form").hidden = true; root.querySelector("#qr-text").focus();
  });
  root.querySelector("#pay-card").addEventListener("change", function () { root.querySelector("#pay-terminal").focus(); });
  $("sync").addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { connection(false); });
  setInterval(sync, 30000);

  connection(navigator.onLine);
  registerWorker();
  siteKeys();
  render().then(sync);
})();
