// Registration form: show only the rows a team needs, with a button to add the next one.
// Without JavaScript every row stays visible and blank rows are simply ignored by the server.
const container = document.querySelector("[data-participants]");

function isBlank(row) {
  return [...row.querySelectorAll("input[type=text], input[type=tel]")]
    .filter((input) => !input.name.endsWith("-role"))
    .every((input) => input.value.trim() === "");
}

function hasError(row) {
  return row.querySelector(".has-error") !== null;
}

if (container) {
  const min = Number(container.dataset.min || "1");
  const rows = [...container.querySelectorAll("[data-row]")];
  const hidden = rows.filter((row, i) => i >= min && isBlank(row) && !hasError(row));
  // Only rows after the last filled one may hide, so the order on screen stays the order sent.
  const lastFilled = rows.reduce((last, row, i) => (hidden.includes(row) ? last : i), min - 1);
  const collapsible = hidden.filter((row) => rows.indexOf(row) > lastFilled);
  if (collapsible.length > 0) {
    collapsible.forEach((row) => { row.hidden = true; });
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-secondary";
    button.textContent = container.dataset.addLabel || "+";
    button.addEventListener("click", () => {
      const next = collapsible.shift();
      if (next) {
        next.hidden = false;
        const first = next.querySelector("input[type=text]");
        if (first) first.focus();
      }
      if (collapsible.length === 0) button.remove();
    });
    container.after(button);
  }
}
