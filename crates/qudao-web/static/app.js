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
