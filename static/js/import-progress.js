// Import page: while a large file is being checked and saved, show that work is in progress
// and keep the button from being pressed twice. The page works without this script.
const form = document.querySelector("form[data-import-form]");
if (form) {
  form.addEventListener("submit", () => {
    const status = form.querySelector("[data-import-status]");
    const button = form.querySelector("button[type=submit]");
    if (status) status.hidden = false;
    if (button) button.disabled = true;
  });
}
