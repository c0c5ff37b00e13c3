// Import pages. The upload form: show that work is in progress and keep the button from being
// pressed twice. A background import's page: poll its status (JSON) every second and a half and
// move the progress bar; when the job is done or failed, load the page again to show the report.
// Both pages work without this script (the job page has a reload link).
const form = document.querySelector("form[data-import-form]");
if (form) {
  form.addEventListener("submit", () => {
    const status = form.querySelector("[data-import-status]");
    const button = form.querySelector("button[type=submit]");
    if (status) status.hidden = false;
    if (button) button.disabled = true;
  });
}

const job = document.querySelector("[data-import-job]");
if (job) {
  const bar = job.querySelector("[data-progress]");
  const text = job.querySelector("[data-progress-text]");
  const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (m, k) => (k in values ? values[k] : m)).replace("%%", "%");
  async function poll() {
    try {
      const res = await fetch(job.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (res.ok) {
        const status = await res.json();
        if (status.status === "done" || status.status === "failed") {
          window.location.reload();
          return;
        }
        bar.value = status.percent;
        bar.textContent = `${status.percent} %`;
        text.textContent = status.status === "queued" ? text.dataset.queued : fill(text.dataset.running, status);
      }
    } catch (err) {
      // A dropped request is tried again on the next tick.
    }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1500);
}
