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
