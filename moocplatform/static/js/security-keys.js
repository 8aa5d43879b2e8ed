// Security keys and passkeys (WebAuthn): asks the browser to make a credential on a key (account page) or to
// sign the log-in's challenge with one (log-in page), then posts the answer in an ordinary form.
// Progressive enhancement: each panel ([data-webauthn]) ships its form hidden and a note saying that the key
// needs JavaScript and a browser that supports security keys; this file swaps them where the browser can.
// The server made the options (JSON, binary fields in base64url) and checks the answer; nothing here decides.
document.addEventListener("DOMContentLoaded", () => {
  for (const panel of document.querySelectorAll("[data-webauthn]")) setUp(panel);
});

function supported() {
  return Boolean(window.PublicKeyCredential && navigator.credentials && window.isSecureContext);
}

function setUp(panel) {
  if (!supported()) return;  // the note stays, and the other ways (the app, recovery codes) work
  const form = panel.querySelector("form");
  const unsupported = panel.querySelector("[data-webauthn-unsupported]");
  const status = panel.querySelector("[data-webauthn-status]");
  const options = JSON.parse(panel.querySelector("script[type='application/json']").textContent);
  if (unsupported) unsupported.hidden = true;
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    if (form.elements.credential.value) return;  // the answer is in: let the form go
    event.preventDefault();
    const button = form.querySelector("button[type='submit']");
    button.disabled = true;
    status.textContent = panel.dataset.webauthnWaiting;
    try {
      const answer = panel.dataset.webauthn === "create" ? await create(options) : await get(options);
      form.elements.credential.value = JSON.stringify(answer);
      status.textContent = panel.dataset.webauthnSending;
      form.submit();
    } catch (error) {
      // Cancelled, timed out, or a key the options exclude: say so and let the person try again.
      status.textContent = panel.dataset.webauthnFailed;
      button.disabled = false;
    }
  });
}

function toBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function toText(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
  return (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));
}

async function create(options) {
  const credential = await navigator.credentials.create({
    publicKey: {
      ...options,
      challenge: toBytes(options.challenge),
      user: { ...options.user, id: toBytes(options.user.id) },
      excludeCredentials: descriptors(options.excludeCredentials),
    },
  });
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toText(response.clientDataJSON),
      attestationObject: toText(response.attestationObject),
      transports: typeof response.getTransports === "function" ? response.getTransports() : [],
    },
  };
}

async function get(options) {
  const credential = await navigator.credentials.get({
    publicKey: {
      ...options,
      challenge: toBytes(options.challenge),
      allowCredentials: descriptors(options.allowCredentials),
    },
  });
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
      userHandle: response.userHandle ? toText(response.userHandle) : undefined,
    },
  };
}
