// Small enhancements only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Dismissible flash messages.
  for (const button of document.querySelectorAll("[data-dismiss]")) {
    button.hidden = false;
    button.addEventListener("click", () => button.closest(".flash")?.remove());
  }

  // Close an open <details> menu on Escape or on a click elsewhere.
  const openMenus = () => document.querySelectorAll("details.menu[open]");
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of openMenus()) {
      menu.open = false;
      menu.querySelector("summary")?.focus();
    }
  });
  document.addEventListener("click", (event) => {
    for (const menu of openMenus()) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  // Copy button of the token reveal.
  for (const button of document.querySelectorAll("[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    const status = document.querySelector("[data-copy-status]");
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
        if (status) status.textContent = "The token is on your clipboard.";
      } catch {
        field.select();
        if (status) status.textContent = "Press Ctrl+C (⌘C) to copy the selected token.";
      }
    });
  }
  for (const field of document.querySelectorAll("[data-token]")) {
    field.addEventListener("focus", () => field.select());
  }

  // Scope picker: filter box, select-all per area, live count.
  const picker = document.querySelector("[data-scope-picker]");
  if (picker) {
    const boxes = () => picker.querySelectorAll('input[name="scopes"]');
    const count = picker.querySelector("[data-selected-count]");
    const refresh = () => {
      if (count) count.textContent = String([...boxes()].filter((box) => box.checked).length);
      for (const area of picker.querySelectorAll("[data-area]")) {
        const all = area.querySelector("[data-select-all]");
        const visible = [...area.querySelectorAll('[data-scope]:not([hidden]) input[name="scopes"]')];
        if (!all) continue;
        const checked = visible.filter((box) => box.checked).length;
        all.checked = visible.length > 0 && checked === visible.length;
        all.indeterminate = checked > 0 && checked < visible.length;
      }
    };
    for (const label of picker.querySelectorAll("[data-select-all-label]")) label.hidden = false;
    for (const all of picker.querySelectorAll("[data-select-all]")) {
      all.addEventListener("change", () => {
        const area = all.closest("[data-area]");
        for (const box of area.querySelectorAll('[data-scope]:not([hidden]) input[name="scopes"]')) box.checked = all.checked;
        refresh();
      });
    }
    picker.addEventListener("change", (event) => {
      if (event.target.name === "scopes") refresh();
    });
    const filterField = picker.querySelector("[data-filter-field]");
    const filter = picker.querySelector("[data-filter]");
    const noMatch = picker.querySelector("[data-no-match]");
    if (filterField && filter) {
      filterField.hidden = false;
      filter.addEventListener("input", () => {
        const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
        let shown = 0;
        for (const area of picker.querySelectorAll("[data-area]")) {
          let inArea = 0;
          for (const item of area.querySelectorAll("[data-scope]")) {
            const match = words.every((word) => item.dataset.search.includes(word));
            item.hidden = !match;
            if (match) inArea += 1;
          }
          area.hidden = inArea === 0;
          shown += inArea;
        }
        if (noMatch) noMatch.hidden = shown > 0;
        refresh();
      });
    }
    refresh();
  }
});
