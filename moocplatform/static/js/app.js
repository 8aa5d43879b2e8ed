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
