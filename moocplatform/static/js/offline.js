// The installable, offline-capable app: the offline banner, the service worker, and clearing what this device
// kept when its learner logs out. Every page works without this file.
(() => {
  const NOTES_DATABASE = "moocplatform";  // the notes kept on the device for offline writing

  // The banner says so while the device has no connection (the page may come from the offline copy).
  const showConnection = () => {
    const banner = document.querySelector("[data-offline-banner]");
    if (!banner) return;
    if (navigator.onLine) { banner.replaceChildren(); return; }
    if (banner.firstChild) return;
    const line = document.createElement("p");
    line.className = "wrap";
    line.textContent = banner.dataset.message;
    banner.append(line);
  };
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);

  const deleteDatabase = (name) => new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    // Blocked: a page still has it open; the deletion completes once that page closes it or goes away.
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });

  // Everything this origin keeps offline: caches, IndexedDB (the notes), the worker and its push subscription.
  const clearOfflineData = async ({ keepDatabases = false } = {}) => {
    const jobs = [];
    if ("caches" in window) {
      jobs.push(caches.keys().then((names) => Promise.all(names.map((name) => caches.delete(name)))));
    }
    if ("indexedDB" in window && !keepDatabases) {
      const listed = indexedDB.databases ? indexedDB.databases().catch(() => []) : Promise.resolve([]);
      jobs.push(listed.then((databases) => {
        const names = new Set(databases.map((database) => database.name).filter(Boolean));
        names.add(NOTES_DATABASE);
        return Promise.all([...names].map(deleteDatabase));
      }));
    }
    if ("serviceWorker" in navigator) {
      jobs.push(navigator.serviceWorker.getRegistrations().then((registrations) => Promise.all(
        registrations.map((registration) => registration.pushManager.getSubscription()
          .then((subscription) => subscription && subscription.unsubscribe())
          .catch(() => null)
          .then(() => registration.unregister())))));
    }
    await Promise.allSettled(jobs);
  };
  window.moocplatformClearOfflineData = clearOfflineData;

  document.addEventListener("DOMContentLoaded", () => {
    showConnection();

    // Log-out: the server's answer asks the browser to clear site data too; this covers browsers that ignore it.
    document.querySelectorAll("form[data-clears-offline-data]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (form.dataset.offlineCleared === "1") return;
        event.preventDefault();
        const submit = () => { form.dataset.offlineCleared = "1"; form.submit(); };
        const timer = setTimeout(submit, 3000);  // never keep anyone from logging out
        clearOfflineData().finally(() => { clearTimeout(timer); submit(); });
      });
    });

    if (!("serviceWorker" in navigator)) return;
    const signedIn = document.querySelector("meta[name=offline-session]");
    const worker = document.querySelector("meta[name=service-worker]");
    if (signedIn && worker) {
      const script = new URL(worker.content, location.href);
      navigator.serviceWorker.register(script, { scope: new URL("./", script).pathname }).catch(() => null);
    } else if (navigator.onLine && !document.querySelector("[data-offline-page]")) {
      // Nobody is signed in (a session that ended without logging out): the pages kept for its learner go.
      // Notes written offline stay for their writer to sync at the next log-in; logging out removes them too.
      navigator.serviceWorker.getRegistrations().then((registrations) => {
        if (registrations.length) clearOfflineData({ keepDatabases: true });
      });
    }
  });
})();
