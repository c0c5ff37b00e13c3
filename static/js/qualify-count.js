// Competition form: recount the cooperatives that meet the eligibility rules as the office edits
// them. Without JavaScript the "Hitung" button posts the form and the page shows the same count.
const box = document.querySelector("[data-qualify-url]");

if (box) {
  const fieldset = box.closest("fieldset");
  const output = box.querySelector("[data-qualify-output]");
  let timer = null;
  let latest = 0;

  const recount = async () => {
    const params = new URLSearchParams();
    fieldset.querySelectorAll("input, select").forEach((field) => {
      if (!field.name || (field.type === "checkbox" && !field.checked)) return;
      params.append(field.name, field.value);
    });
    const limit = document.getElementById("per_cooperative_limit");
    if (limit) params.set("per_cooperative_limit", limit.value);
    const ticket = ++latest;
    try {
      const response = await fetch(`${box.dataset.qualifyUrl}?${params}`, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (ticket !== latest) return; // a newer count is on its way
      if (!response.ok) {
        output.replaceChildren(Object.assign(document.createElement("p"), { textContent: data.error.message }));
        return;
      }
      const heading = document.createElement("p");
      heading.append(Object.assign(document.createElement("strong"), { textContent: data.message }));
      const list = document.createElement("ul");
      data.failing.forEach((row) => {
        list.append(Object.assign(document.createElement("li"), { textContent: `${row.count} ${row.label}` }));
      });
      output.replaceChildren(heading, ...(data.failing.length ? [list] : []));
    } catch {
      // Offline or refused: the button still works.
    }
  };

  fieldset.addEventListener("change", () => {
    clearTimeout(timer);
    timer = setTimeout(recount, 250);
  });
  fieldset.addEventListener("input", (event) => {
    if (event.target.type === "number" || event.target.type === "text") {
      clearTimeout(timer);
      timer = setTimeout(recount, 400);
    }
  });
}
