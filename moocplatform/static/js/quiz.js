// Quiz attempts: a live countdown and a warning before submitting with unanswered questions.
// Progressive enhancement: the server keeps the deadline and closes the attempt itself; without this file the
// page shows the time left when it was loaded, and submitting works as before.
document.addEventListener("DOMContentLoaded", () => {
  const timer = document.querySelector("[data-quiz-remaining]");
  if (timer) startCountdown(timer);
  const form = document.querySelector("form.quiz-form");
  if (form) warnAboutUnanswered(form);
});

function startCountdown(timer) {
  // Counted from the seconds the server gave, not from the device's clock, which may be wrong.
  const end = Date.now() + Number(timer.dataset.quizRemaining) * 1000;
  const clockText = timer.querySelector("[data-quiz-clock]");
  const announce = timer.querySelector("[data-quiz-announce]");
  const announced = new Set();
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    clockText.textContent = `${minutes}:${seconds}`;
    // Screen readers hear the time at a few moments only, not every second.
    for (const mark of [300, 60]) {
      if (left <= mark && left > 0 && !announced.has(mark)) {
        announced.add(mark);
        announce.textContent = `${timer.dataset.quizLeftLabel} ${minutes}:${seconds}`;
      }
    }
    timer.classList.toggle("is-short", left <= 60);
    if (left === 0) {
      timer.querySelector("[data-quiz-left]").textContent = timer.dataset.quizUp;
      announce.textContent = timer.dataset.quizUp;
      return;
    }
    setTimeout(tick, 1000 - ((end - Date.now()) % 1000 || 0) + 5);
  };
  timer.querySelector("[data-quiz-live]").hidden = false;
  timer.querySelector("[data-quiz-static]").hidden = true;
  tick();
}

function isAnswered(question) {
  return [...question.querySelectorAll("input, select, textarea")].some((field) => {
    if (field.type === "hidden") return false;
    if (field.type === "radio" || field.type === "checkbox") return field.checked;
    return field.value.trim() !== "";
  });
}

function warnAboutUnanswered(form) {
  const warning = form.querySelector(".quiz-unanswered");
  if (!warning) return;
  const list = warning.querySelector("ul");
  form.addEventListener("submit", (event) => {
    if (!event.submitter || event.submitter.value !== "submit" || form.dataset.confirmedUnanswered === "1") return;
    const open = [...form.querySelectorAll("fieldset.question")].filter((q) => !isAnswered(q));
    if (open.length === 0) return;
    event.preventDefault();
    delete form.dataset.submitting; // app.js's double-submit guard must not hold back the second click
    list.replaceChildren(...open.map((question) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${question.id}`;
      link.textContent = question.querySelector(".question-number").textContent;
      item.append(link);
      return item;
    }));
    warning.hidden = false;
    warning.focus();
    form.dataset.confirmedUnanswered = "1"; // the next "Submit" is the learner's choice, made knowingly
  });
}
