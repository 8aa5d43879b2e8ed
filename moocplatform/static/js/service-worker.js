// The service worker: the app shell for offline use, the unit pages a signed-in learner opened (with their
// images), and push reminders. SETTINGS, put in front of this file by the server, holds the shell's version and
// URLs and the bounds of the offline copy.
/* global SETTINGS */
const SHELL_CACHE = `moocplatform-shell-${SETTINGS.version}`;
const SHELL_PREFIX = "moocplatform-shell-";
const UNITS_PREFIX = "moocplatform-units-";  // one cache per signed-in session, named by X-Offline-Session
const INDEX_PATH = "/__offline__/index.json";  // what each unit cache holds: bytes, last use, images
const SIGNED_OUT = "none";
const SHELL_PATHS = new Set(SETTINGS.shell);

self.addEventListener("install", (event) => {
  // The shell is fetched without cookies: the offline page must name nobody.
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SETTINGS.shell.map((url) => new Request(url, { credentials: "omit" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE)
      .map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

// Changes to a unit cache's index happen one at a time, so two pages opened at once do not lose an entry.
let indexQueue = Promise.resolve();
const serially = (work) => {
  const next = indexQueue.then(work, work);
  indexQueue = next.catch(() => null);
  return next;
};

const indexUrl = () => new URL(INDEX_PATH, self.location.origin).href;

async function readIndex(cache) {
  const stored = await cache.match(indexUrl());
  if (!stored) return { units: {} };
  try { return await stored.json(); } catch (error) { return { units: {} }; }
}

function writeIndex(cache, index) {
  return cache.put(indexUrl(), new Response(JSON.stringify(index), { headers: { "Content-Type": "application/json" } }));
}

async function unitCacheNames() {
  return (await caches.keys()).filter((name) => name.startsWith(UNITS_PREFIX));
}

// Only the current session's copies may be read: a page answered for another session (or for nobody) drops
// every other session's cache.
async function keepOnlySession(session) {
  const keep = session === SIGNED_OUT ? null : UNITS_PREFIX + session;
  await Promise.all((await unitCacheNames()).filter((name) => name !== keep).map((name) => caches.delete(name)));
}

function imageUrls(html, base) {
  const found = new Set();
  for (const match of html.matchAll(/<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']/gi)) {
    const url = new URL(match[1].replace(/&amp;/g, "&"), base);
    if (url.origin === self.location.origin) found.add(url.href);
  }
  return [...found];
}

async function sizeOf(response) {
  return (await response.clone().blob()).size;
}

async function keepUnit(session, url, response) {
  const cache = await caches.open(UNITS_PREFIX + session);
  const html = await response.clone().text();
  let bytes = await sizeOf(response);
  await cache.put(url, response);
  const images = [];
  for (const image of imageUrls(html, url)) {
    try {
      const answer = await fetch(image, { credentials: "same-origin" });
      if (!answer.ok) continue;
      bytes += await sizeOf(answer);
      await cache.put(image, answer);
      images.push(image);
    } catch (error) { /* an image that fails to load is simply not kept */ }
  }
  await serially(async () => {
    const index = await readIndex(cache);
    index.units[url] = { bytes, used: Date.now(), images };
    await evict(cache, index);
    await writeIndex(cache, index);
  });
}

// At most SETTINGS.maxUnits units and SETTINGS.maxBytes bytes: the least recently read go first, with the
// images no kept unit shows any more.
async function evict(cache, index) {
  const total = () => Object.values(index.units).reduce((sum, unit) => sum + unit.bytes, 0);
  const byAge = Object.keys(index.units).sort((a, b) => index.units[a].used - index.units[b].used);
  while (byAge.length && (byAge.length > SETTINGS.maxUnits || total() > SETTINGS.maxBytes)) {
    const url = byAge.shift();
    const gone = index.units[url];
    delete index.units[url];
    await cache.delete(url);
    const stillShown = new Set(Object.values(index.units).flatMap((unit) => unit.images));
    await Promise.all(gone.images.filter((image) => !stillShown.has(image)).map((image) => cache.delete(image)));
  }
}

async function touchUnit(cache, url) {
  await serially(async () => {
    const index = await readIndex(cache);
    if (!index.units[url]) return;
    index.units[url].used = Date.now();
    await writeIndex(cache, index);
  });
}

async function fromUnitCache(request, { page }) {
  const [name] = await unitCacheNames();
  if (!name) return null;
  const cache = await caches.open(name);
  const url = request.url.split("#")[0];
  const found = await cache.match(url, { ignoreVary: true });
  if (found && page) await touchUnit(cache, url);
  return found || null;
}

async function navigate(event) {
  const { request } = event;
  try {
    const response = await fetch(request);
    const session = response.headers.get("X-Offline-Session");
    if (session) {
      // Copied now: the page starts reading the body as soon as it is returned.
      const worthKeeping = session !== SIGNED_OUT && response.ok && response.headers.get("X-Offline-Copy") === "unit";
      const copy = worthKeeping ? response.clone() : null;
      const keeping = keepOnlySession(session)
        .then(() => copy && keepUnit(session, request.url.split("#")[0], copy));
      event.waitUntil(keeping.catch(() => null));
    }
    return response;
  } catch (error) {
    const kept = await fromUnitCache(request, { page: true });
    if (kept) return kept;
    const offline = await caches.match(SETTINGS.offlinePage, { cacheName: SHELL_CACHE });
    return offline || Response.error();
  }
}

async function shellFirst(request) {
  const kept = await caches.match(request, { cacheName: SHELL_CACHE, ignoreVary: true });
  return kept || fetch(request);
}

async function networkThenKept(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await fromUnitCache(request, { page: false });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // Only reading this site is handled: a form's POST, the API and other sites go straight to the network.
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  } else if (SHELL_PATHS.has(url.pathname) && !url.search) {
    event.respondWith(shellFirst(request));
  } else if (request.destination === "image") {
    event.respondWith(networkThenKept(request));
  }
});

// Push reminders: the server sends {title, body, link}; a click opens the link (on this site only).
self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (error) { message = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(message.title || "moocplatform", {
    body: message.body || "",
    icon: SETTINGS.icon,
    badge: SETTINGS.icon,
    tag: message.tag || undefined,
    data: { link: message.link || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data && event.notification.data.link || "/", self.location.origin);
  const link = target.origin === self.location.origin ? target.href : self.location.origin + "/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const open = windows.find((client) => client.url === link);
    if (open) return open.focus();
    return self.clients.openWindow(link);
  }));
});
