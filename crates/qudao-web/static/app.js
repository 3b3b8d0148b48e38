// Qudao's own script: small progressive enhancements; every page works without it.
"use strict";

document.addEventListener("submit", (event) => {
  // Forms with data-confirm ask before destructive actions.
  const form = event.target;
  const question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  // Buttons with data-copy copy the text of the element they name (invitation links, keys).
  const button = event.target.closest && event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy"));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      button.textContent = button.getAttribute("data-copied") || "✓";
    });
  }
});

document.addEventListener("change", (event) => {
  // Filter selects marked data-autosubmit apply at once.
  const field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("submit", (event) => {
  // Upload forms marked data-progress show how far the server has come while it works.
  const form = event.target;
  const id = form.getAttribute && form.getAttribute("data-progress");
  if (!id || event.defaultPrevented) return;
  const box = form.querySelector(".progress");
  if (!box) return;
  box.hidden = false;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const poll = () => {
    fetch("/api/v1/progress/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((progress) => {
        if (progress && progress.total > 0) {
          bar.max = progress.total;
          bar.value = progress.done;
          if (text) text.textContent = progress.done + " / " + progress.total;
        }
        if (!progress || !progress.finished) window.setTimeout(poll, 500);
      })
      .catch(() => window.setTimeout(poll, 1000));
  };
  window.setTimeout(poll, 300);
});

// The promotion editor shows only the fields of the chosen kind (all of them without script).
const showKindFields = (select) => {
  const form = select.form;
  if (!form) return;
  for (const part of form.querySelectorAll("[data-kinds]")) {
    part.hidden = !part.getAttribute("data-kinds").split(" ").includes(select.value);
  }
};
document.addEventListener("change", (event) => {
  if (event.target.hasAttribute && event.target.hasAttribute("data-kind-select")) showKindFields(event.target);
});
document.querySelectorAll("[data-kind-select]").forEach(showKindFields);

document.addEventListener("click", (event) => {
  // Buttons with data-print open the browser's print dialog (a statement saved as PDF).
  if (event.target.closest && event.target.closest("[data-print]")) window.print();
});
