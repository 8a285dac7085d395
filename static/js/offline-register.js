// Installs the offline counter's service worker while the site is reachable, so that the
// paper-copy counter (/fulfil/offline/) opens even when it is not.
(function () {
  "use strict";
  const link = document.querySelector("[data-sw-url]");
  if (!link || !("serviceWorker" in navigator)) { return; }
  navigator.serviceWorker.register(link.dataset.swUrl, { scope: link.dataset.swScope })
    .catch(function () { /* the online counter works without it */ });
})();
