// Small enhancements only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Dismissible flash messages.
  for (const button of document.querySelectorAll("[data-dismiss]")) {
    button.hidden = false;
    button.addEventListener("click", () => button.closest(".flash")?.remove());
  }

  // Close an open <details> menu on Escape or on a click elsewhere.
  const menus = () => document.querySelectorAll("details.menu[open]");
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus()) {
      menu.open = false;
      menu.querySelector("summary")?.focus();
    }
  });
  document.addEventListener("click", (event) => {
    for (const menu of menus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });
});
