// Push messages for this browser, from the notification preferences page: subscribe with the platform's
// public key and hand the subscription to the server, or undo both.
(() => {
  const section = document.querySelector("[data-push-device]");
  if (!section || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  const status = section.querySelector("[data-push-status]");
  const button = section.querySelector("[data-push-toggle]");

  const applicationServerKey = () => {
    const text = section.dataset.publicKey.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(text + "=".repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-CSRFToken": section.dataset.csrfToken },
  }).then((response) => { if (!response.ok) throw new Error(String(response.status)); });

  const show = (subscribed) => {
    status.textContent = Notification.permission === "denied" ? section.dataset.denied
      : subscribed ? section.dataset.on : section.dataset.off;
    button.textContent = subscribed ? button.dataset.turnOff : button.dataset.turnOn;
    button.dataset.subscribed = subscribed ? "1" : "";
    button.hidden = Notification.permission === "denied";
  };

  navigator.serviceWorker.ready.then(async (registration) => {
    const current = await registration.pushManager.getSubscription();
    if (current) await post(section.dataset.subscribeUrl, current.toJSON()).catch(() => null);
    show(Boolean(current));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const existing = await registration.pushManager.getSubscription();
        if (existing) {
          await post(section.dataset.unsubscribeUrl, { endpoint: existing.endpoint }).catch(() => null);
          await existing.unsubscribe();
          show(false);
        } else {
          const subscription = await registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: applicationServerKey() });
          await post(section.dataset.subscribeUrl, subscription.toJSON());
          show(true);
        }
      } catch (error) {
        show(Boolean(await registration.pushManager.getSubscription()));
        if (Notification.permission !== "denied") status.textContent = section.dataset.failed;
      } finally {
        button.disabled = false;
      }
    });
  });
})();
