// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary so that keyboard and screen-reader users hear what went wrong.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Guard against double submission: a second click on a submit button while the first is under way.
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.submitting === "1") { event.preventDefault(); return; }
      form.dataset.submitting = "1";
      setTimeout(() => { delete form.dataset.submitting; }, 4000);
    });
  });
});

// Long uploads: show that the server is working (the page changes when the pack has been checked).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.busyMessage;
  const busy = form.querySelector(".busy");
  if (!message || !busy) return;
  busy.hidden = false;
  busy.querySelector("span").textContent = message;
});

// Assignment drafts: saved a moment after the learner stops typing (the "Save draft" button works without this).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosave-url]").forEach((form) => {
    const status = form.querySelector(".autosave-status");
    const fields = form.querySelectorAll("textarea[name=text], input[name=link]");
    let timer = null;
    const save = () => {
      const body = new FormData();
      body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      fields.forEach((field) => body.append(field.name, field.value));
      fetch(form.dataset.autosaveUrl, { method: "POST", body, credentials: "same-origin",
                                        headers: { "X-Requested-With": "fetch" } })
        .then((response) => response.json().then((data) => {
          if (status) status.textContent = response.ok ? status.dataset.saved || "Draft saved." : data.error;
        }))
        .catch(() => { if (status) status.textContent = status.dataset.failed || "Not saved: check your connection."; });
    };
    fields.forEach((field) => field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    }));
  });
});

// Password fields: a "Show password" toggle on each (ASVS 2.1.12), and, where a new password is chosen, feedback
// while it is typed (ASVS 2.1.8): its length against the minimum and whether it is on the list of common
// passwords that the server checks too (fetched once, from the same file). The server has the last word.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button.show-password[aria-controls]").forEach((button) => {
    const input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
    });
    // A password shown on screen goes back to dots when the form is sent (the browser may keep the page).
    if (input.form) input.form.addEventListener("submit", () => {
      input.type = "password";
      button.setAttribute("aria-pressed", "false");
    });
  });

  let commonList = null;
  const loadCommon = (url) => {
    if (!commonList) {
      commonList = fetch(url, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : ""))
        .then((body) => new Set(body.split("\n").map((line) => line.trim()).filter(Boolean)))
        .catch(() => new Set());
    }
    return commonList;
  };
  document.querySelectorAll("input[data-password-strength]").forEach((input) => {
    const box = document.getElementById(`${input.id}-strength`);
    if (!box) return;
    const meter = box.querySelector("meter");
    const message = box.querySelector("[aria-live]");
    const minimum = Number(box.dataset.minLength) || 12;
    let common = new Set();
    const judge = () => {
      const password = input.value;
      let score;
      let text;
      if (!password) {
        box.hidden = true;
        return;
      }
      const length = [...password].length;
      if (common.has(password.toLowerCase())) {
        [score, text] = [0, box.dataset.common];
      } else if (length < minimum) {
        [score, text] = [length >= minimum / 2 ? 1 : 0, box.dataset.tooShort.replace("{n}", String(minimum - length))];
      } else if (length < minimum + 4) {
        [score, text] = [2, box.dataset.fair];
      } else if (length < minimum + 8) {
        [score, text] = [3, box.dataset.good];
      } else {
        [score, text] = [4, box.dataset.strong];
      }
      box.hidden = false;
      meter.value = score;
      if (message.textContent !== text) message.textContent = text;
    };
    input.addEventListener("focus", () => {
      loadCommon(box.dataset.commonUrl).then((list) => { common = list; judge(); });
    }, { once: true });
    input.addEventListener("input", judge);
  });
});
