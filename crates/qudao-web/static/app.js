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

// Live updates: one event stream per signed-in page. New messages are appended to the thread
// on the page (text only, never markup), notifications raise the header's unread count.
// Without script or EventSource the page shows the same after a reload.
const appendMessage = (message) => {
  const thread = document.getElementById("thread");
  if (!thread || thread.dataset.threadKind !== message.object_kind || thread.dataset.threadId !== message.object_id) return;
  const list = document.getElementById("thread-messages");
  if (!list || list.querySelector('[data-id="' + message.id + '"]')) return;
  const item = document.createElement("li");
  item.className = "message fresh" + (message.internal ? " internal" : "");
  item.id = "message-" + message.id;
  item.dataset.id = message.id;
  const meta = document.createElement("div");
  meta.className = "meta";
  const author = document.createElement("strong");
  author.textContent = message.author_name;
  meta.append(author);
  const badge = (text, extra) => {
    const span = document.createElement("span");
    span.className = "badge" + (extra ? " " + extra : "");
    span.textContent = text;
    meta.append(" ", span);
  };
  if (message.author_brand) badge(thread.dataset.labelBrand);
  if (message.internal) badge(thread.dataset.labelInternal, "internal");
  const time = document.createElement("time");
  time.textContent = chinaTime(message.created_ms);
  meta.append(" ", time);
  item.append(meta);
  if (message.body) {
    const body = document.createElement("p");
    body.className = "body";
    body.textContent = message.body;
    item.append(body);
  }
  for (const file of message.attachments || []) {
    const link = document.createElement("a");
    link.className = "attachment";
    link.href = "/files/" + encodeURIComponent(file);
    const picture = document.createElement("img");
    picture.className = "thumb small";
    picture.alt = "";
    picture.src = "/files/" + encodeURIComponent(file) + "/thumb";
    link.append(picture);
    item.append(link);
  }
  list.append(item);
  list.scrollTop = list.scrollHeight;
  const empty = document.getElementById("thread-empty");
  if (empty) empty.remove();
};

// "2026-11-29 15:30" in China time, as the server writes it.
const chinaTime = (ms) => {
  const d = new Date(ms + 8 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
    two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
};

const raiseUnread = () => {
  const badge = document.getElementById("unread-badge");
  if (!badge) return;
  badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
  badge.hidden = false;
};

if (document.body && document.body.hasAttribute("data-live") && window.EventSource) {
  const stream = new EventSource("/api/v1/events");
  stream.addEventListener("message", (event) => {
    try { appendMessage(JSON.parse(event.data)); } catch (_) { /* a malformed event is skipped */ }
  });
  stream.addEventListener("notification", raiseUnread);
  window.addEventListener("pagehide", () => stream.close());
}
