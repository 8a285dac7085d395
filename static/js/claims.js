// The claims screen: Jalali date pickers, and a live progress bar read from jobs/{id}.
(function () {
  "use strict";
  const PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  function persian(n) { return String(n).replace(/[0-9]/g, (d) => PERSIAN[d]); }

  if (window.jalaliDatepicker) {
    jalaliDatepicker.startWatch({ persianDigits: true, autoReadOnlyInput: false, maxDate: "today" });
  }

  const bar = document.querySelector("[data-job-url]");
  if (!bar) { return; }
  const fill = bar.querySelector(".progress-bar");
  const text = document.querySelector("[data-testid=job-text]");

  function show(job) {
    const share = job.total ? Math.round((100 * job.done) / job.total) : 100;
    fill.style.width = share + "%";
    bar.setAttribute("aria-valuenow", String(job.done));
    bar.dataset.status = job.status;
    text.textContent = persian(job.done) + " از " + persian(job.total) + ": " +
      persian(job.accepted) + " پذیرفته، " + persian(job.rejected) + " رد، " +
      persian(job.failed) + " ناموفق" + (job.detail ? " — " + job.detail : "");
  }

  function poll() {
    fetch(bar.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((job) => {
        show(job);
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();  // the table below then shows each claim's new status
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(() => window.setTimeout(poll, 3000));
  }

  if (bar.dataset.status !== "done" && bar.dataset.status !== "failed") { poll(); }
})();
