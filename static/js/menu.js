// The site menu (templates/base.html): it works as plain <details> without JavaScript; this adds
// what a keyboard and a pointer expect: Escape closes the open group or the phone menu and puts the
// focus back on its button, a click elsewhere closes it, and only one group is open at a time.
const menu = document.querySelector("[data-site-menu]");

if (menu) {
  const groups = [...menu.querySelectorAll("[data-nav-group]")];
  const wide = window.matchMedia("(min-width: 1024px)");
  const detailsContent = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");

  // Browsers without ::details-content: open the menu's <details> on a wide screen ourselves.
  const fit = () => {
    if (wide.matches && !detailsContent) {
      menu.open = true;
      menu.classList.add("is-bar");
    } else if (menu.classList.contains("is-bar")) {
      menu.classList.remove("is-bar");
      menu.open = false;
    }
    if (!wide.matches) groups.forEach((g) => { g.open = false; });
  };
  fit();
  wide.addEventListener("change", fit);

  groups.forEach((group) => {
    group.addEventListener("toggle", () => {
      if (group.open) groups.forEach((other) => { if (other !== group) other.open = false; });
    });
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const group = groups.find((g) => g.open);
    if (group) {
      group.open = false;
      group.querySelector("summary").focus();
    } else if (menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", (event) => {
    groups.forEach((g) => { if (g.open && !g.contains(event.target)) g.open = false; });
    if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
  });
}
