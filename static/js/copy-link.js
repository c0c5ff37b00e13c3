// Ticket links: a "copy" button next to each link's text box (shown only where the clipboard works).
// Without JavaScript the link stays selectable in its read-only box, and WhatsApp sharing is a plain link.
const buttons = document.querySelectorAll("[data-copy]");

if (navigator.clipboard && window.isSecureContext) {
  buttons.forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copy);
      const status = button.closest(".share")?.querySelector(".copied");
      try {
        await navigator.clipboard.writeText(input.value);
        if (status) status.textContent = button.dataset.done || "✓";
      } catch {
        input.select();
        if (status) status.textContent = button.dataset.fail || "";
      }
    });
  });
}
