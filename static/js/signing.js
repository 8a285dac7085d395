// The doctor's digital signature (seed 003), made in this browser: a P-256 key whose
// private half cannot leave it (WebCrypto, non-extractable, kept in IndexedDB), registered
// for this practice site; every prescription is signed here just before it is sent.
(function () {
  "use strict";
  const panel = document.querySelector("[data-signing]");
  if (!panel) { return; }
  const status = panel.querySelector("[data-role=signing-status]");
  const createButton = panel.querySelector("[data-role=signing-create]");
  const revokeButton = panel.querySelector("[data-role=signing-revoke]");
  const membership = panel.dataset.membership;
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  let privateKey = null;

  function say(text, level) {
    status.textContent = text;
    status.className = "small mb-2 text-" + (level || "body-secondary");
  }

  function store(mode) {
    return new Promise(function (resolve, reject) {
      const open = indexedDB.open("noskhe-signing", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        resolve(open.result.transaction("keys", mode).objectStore("keys"));
      };
    });
  }

  function request(operation) {
    return new Promise(function (resolve, reject) {
      operation.onsuccess = function () { resolve(operation.result); };
      operation.onerror = function () { reject(operation.error); };
    });
  }

  function base64(buffer) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(buffer)));
  }

  function pem(spki) {
    const lines = base64(spki).match(/.{1,64}/g).join("\n");
    return "-----BEGIN PUBLIC KEY-----\n" + lines + "\n-----END PUBLIC KEY-----\n";
  }

  function show(state) {
    createButton.hidden = state !== "none";
    revokeButton.hidden = state === "none" || state === "unsupported";
    panel.dataset.state = state;
    if (state === "active") {
      say("نسخه‌ها پیش از ارسال با کلید این مرورگر امضا می‌شوند.", "success");
    } else if (state === "elsewhere") {
      say("کلید فعال این محل کار در مرورگر دیگری است؛ از اینجا نسخه بدون امضا ثبت می‌شود. " +
          "برای امضا از این مرورگر، آن کلید را باطل و کلید تازه بسازید.", "warning-emphasis");
    } else if (state === "unsupported") {
      say("این مرورگر امضای دیجیتال را پشتیبانی نمی‌کند (اتصال امن لازم است).", "danger");
    } else {
      say("امضای دیجیتال فعال نیست؛ نسخه‌ها بدون امضا ثبت می‌شوند.");
    }
  }

  async function load() {
    if (!window.crypto || !crypto.subtle || !window.indexedDB) { show("unsupported"); return; }
    const fingerprint = panel.dataset.keyFingerprint;
    if (!fingerprint) { show("none"); return; }
    const saved = await request((await store("readonly")).get(membership));
    privateKey = saved && saved.fingerprint === fingerprint ? saved.privateKey : null;
    show(privateKey ? "active" : "elsewhere");
  }

  async function create() {
    createButton.disabled = true;
    try {
      const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" },
                                                   false, ["sign", "verify"]);
      const spki = await crypto.subtle.exportKey("spki", pair.publicKey);
      const response = await fetch(panel.dataset.keysUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ public_key: pem(spki), label: navigator.userAgent.slice(0, 90) }),
      });
      const body = await response.json();
      if (!response.ok) { say(body.detail || "ثبت کلید ممکن نشد.", "danger"); return; }
      await request((await store("readwrite")).put(
        { fingerprint: body.fingerprint, privateKey: pair.privateKey }, membership));
      panel.dataset.keyFingerprint = body.fingerprint;
      panel.dataset.keyId = body.id;
      await load();
    } catch (error) {
      say("ساخت کلید ممکن نشد: " + error.message, "danger");
    } finally {
      createButton.disabled = false;
    }
  }

  async function revoke() {
    revokeButton.disabled = true;
    try {
      const response = await fetch(panel.dataset.keysUrl + "/" + panel.dataset.keyId, {
        method: "DELETE", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
      });
      if (!response.ok && response.status !== 404) { say("ابطال کلید ممکن نشد.", "danger"); return; }
      await request((await store("readwrite")).delete(membership));
      panel.dataset.keyFingerprint = "";
      panel.dataset.keyId = "";
      privateKey = null;
      show("none");
    } finally {
      revokeButton.disabled = false;
    }
  }

  async function signAndSend(form) {
    const response = await fetch(panel.dataset.contentUrl, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "X-CSRFToken": csrf },
    });
    if (response.ok) {
      const content = (await response.json()).content;
      const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey,
                                                 new TextEncoder().encode(content));
      form.querySelector("input[name=signature]").value = base64(signature);
    } else if (response.status !== 400) {
      throw new Error("سامانه درخواست امضا را پاسخ نداد (" + response.status + ").");
    }
    // Items the server would refuse (400) go unsigned: its answer names what is wrong.
    form.submit();
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form.rx-form");
    if (!form || !privateKey || form.dataset.signing === "1") { return; }
    event.preventDefault();
    form.dataset.signing = "1";
    say("در حال امضای نسخه…", "body-secondary");
    signAndSend(form).catch(function (error) {
      form.dataset.signing = "";
      say("امضای نسخه ممکن نشد؛ دوباره تلاش کنید. " + error.message, "danger");
    });
  }, true);

  createButton.addEventListener("click", create);
  revokeButton.addEventListener("click", revoke);
  load().catch(function (error) { say("خواندن کلید امضا ممکن نشد: " + error.message, "danger"); });
})();
