// The unit page's note: saved as the learner types (through /api/v1/notes, as this signed-in browser), kept
// on the device in IndexedDB (database "moocplatform", store "notes", key "<course>/<unit>") with the version
// it was based on, so an edit made offline is sent when the network returns. Each copy names its owner: on a
// shared device nobody's kept edit is shown to, or sent as, another account. The server refuses an edit based
// on an old version (409); then both texts are shown and the learner chooses. The form works without this file.
(() => {
  "use strict";

  const DB_NAME = "moocplatform";
  const STORE = "notes";
  const SAVE_DELAY_MS = 1200;

  // IndexedDB: the database may already exist without our store (another part of the platform made it);
  // then it is opened again one version up to add the store.
  function openDatabase() {
    return new Promise((resolve) => {
      if (!("indexedDB" in window)) { resolve(null); return; }
      let request;
      try { request = indexedDB.open(DB_NAME); } catch (error) { resolve(null); return; }
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
      };
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
      request.onsuccess = () => {
        const db = request.result;
        if (db.objectStoreNames.contains(STORE)) { watch(db); resolve(db); return; }
        const version = db.version + 1;
        db.close();
        const upgrade = indexedDB.open(DB_NAME, version);
        upgrade.onupgradeneeded = () => {
          if (!upgrade.result.objectStoreNames.contains(STORE)) upgrade.result.createObjectStore(STORE);
        };
        upgrade.onsuccess = () => { watch(upgrade.result); resolve(upgrade.result); };
        upgrade.onerror = () => resolve(null);
        upgrade.onblocked = () => resolve(null);
      };
    });
  }

  // Another tab (or the log-out clearing) may upgrade or delete the database: let it.
  function watch(db) { db.onversionchange = () => { db.close(); database = null; }; }

  let database = null;
  async function store() {
    if (!database) database = await openDatabase();
    return database;
  }

  async function readRecord(key) {
    const db = await store();
    if (!db) return null;
    return new Promise((resolve) => {
      try {
        const request = db.transaction(STORE, "readonly").objectStore(STORE).get(key);
        request.onsuccess = () => resolve(request.result || null);
        request.onerror = () => resolve(null);
      } catch (error) { resolve(null); }
    });
  }

  async function allRecords() {
    const db = await store();
    if (!db) return [];
    return new Promise((resolve) => {
      try {
        const records = [];
        const request = db.transaction(STORE, "readonly").objectStore(STORE).openCursor();
        request.onsuccess = () => {
          const cursor = request.result;
          if (!cursor) { resolve(records); return; }
          records.push({ key: cursor.key, value: cursor.value });
          cursor.continue();
        };
        request.onerror = () => resolve(records);
      } catch (error) { resolve([]); }
    });
  }

  async function writeRecord(key, record) {
    const db = await store();
    if (!db) return false;
    return new Promise((resolve) => {
      try {
        const transaction = db.transaction(STORE, "readwrite");
        transaction.objectStore(STORE).put(record, key);
        transaction.oncomplete = () => resolve(true);
        transaction.onerror = () => resolve(false);
        transaction.onabort = () => resolve(false);
      } catch (error) { resolve(false); }
    });
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // One PUT of a note: {status, data} from the server, or {status: 0} when the network failed.
  async function putNote(url, body, version) {
    try {
      const response = await fetch(url, {
        method: "PUT", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ body, version }),
      });
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      return { status: response.status, data };
    } catch (error) {
      return { status: 0, data: null };
    }
  }

  // Pending edits of other units (written offline on pages read from the cache) go too; a conflict there is
  // kept, marked, and shown when that unit's page opens.
  async function syncOthers(exceptKey, owner) {
    if (!navigator.onLine) return;
    for (const { key, value } of await allRecords()) {
      if (key === exceptKey || !value || value.owner !== owner || !value.pending || value.conflict || !value.url) {
        continue;
      }
      const result = await putNote(value.url, value.body, value.base);
      if (result.status === 200 && result.data) {
        const latest = await readRecord(key);
        if (latest && latest.body === value.body) {
          await writeRecord(key, { ...latest, base: result.data.version, pending: false, conflict: false });
        }
      } else if (result.status === 409) {
        await writeRecord(key, { ...value, conflict: true });
      }
    }
  }

  function setUp(panel) {
    const key = panel.dataset.noteKey;
    const owner = panel.dataset.noteOwner;
    const ownRecord = () => readRecord(key).then((record) => (record && record.owner === owner ? record : null));
    const url = panel.dataset.noteApi;
    const form = panel.querySelector(".note-form");
    const textarea = panel.querySelector("textarea[name=body]");
    const versionInput = form.querySelector("input[name=version]");
    const status = panel.querySelector(".note-status");
    const box = panel.querySelector(".note-conflict");
    const mineText = box.querySelector("#note-conflict-mine");
    const theirsText = box.querySelector("#note-conflict-theirs");
    let base = Number(panel.dataset.noteVersion) || 0;
    let timer = null;
    let saving = false;
    let again = false;
    let conflict = null;  // {mine, theirs, version} while the box is open

    const say = (state, name) => {
      status.dataset.state = state;
      status.textContent = status.dataset[name] || "";
    };
    const setBase = (version) => { base = version; versionInput.value = String(version); };
    const remember = (body, pending, extra) =>
      writeRecord(key, { owner, course: key.split("/")[0], unit: key.split("/").slice(1).join("/"), url, body, base,
                         pending, conflict: false, savedAt: new Date().toISOString(), ...(extra || {}) });

    function showConflict(mine, current) {
      conflict = { mine, theirs: current ? current.body : "", version: current ? current.version : 0 };
      mineText.value = conflict.mine;
      theirsText.value = conflict.theirs;
      box.hidden = false;
      say("conflict", "conflict");
      remember(mine, true, { conflict: true });
      box.focus();
    }

    async function save() {
      clearTimeout(timer);
      if (conflict) return;  // the learner chooses first
      if (saving) { again = true; return; }
      const body = textarea.value;
      await remember(body, true);
      if (!navigator.onLine) { say("offline", "offline"); return; }
      saving = true;
      say("saving", "saving");
      const result = await putNote(url, body, base);
      saving = false;
      if (result.status === 200 && result.data) {
        setBase(result.data.version);
        const changedMeanwhile = textarea.value !== body;
        await remember(body, changedMeanwhile);
        if (changedMeanwhile || again) { again = false; save(); return; }
        say("saved", "saved");
      } else if (result.status === 409) {
        showConflict(body, result.data ? result.data.current : null);
      } else if (result.status === 0) {
        say("offline", "offline");
      } else if (result.status === 401) {
        say("error", "signedOut");
      } else {
        say("error", "failed");
      }
      again = false;
    }

    box.addEventListener("click", (event) => {
      const choice = event.target.closest("[data-conflict-choice]");
      if (!choice || !conflict) return;
      const { mine, theirs, version } = conflict;
      conflict = null;
      box.hidden = true;
      setBase(version);
      if (choice.dataset.conflictChoice === "mine") {
        textarea.value = mine;
        save();
      } else if (choice.dataset.conflictChoice === "theirs") {
        textarea.value = theirs;
        remember(theirs, false);
        say("saved", "saved");
      } else {
        textarea.value = `${mine}\n\n----\n\n${theirs}`;
        remember(textarea.value, true);
        textarea.focus();
      }
    });

    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(save, SAVE_DELAY_MS);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    window.addEventListener("online", () => {
      ownRecord().then((record) => {
        if (record && record.pending && !conflict) save();
        syncOthers(key, owner);
      });
    });

    // On load: an edit this device kept and the server does not have yet wins over the page's text (and is
    // sent now), and so does one the server took at a later version than the page's; otherwise the page's text,
    // newer or the same, replaces the device's copy.
    ownRecord().then(async (record) => {
      if (record && record.pending && typeof record.body === "string") {
        if (record.body !== textarea.value) say("offline", "local");
        textarea.value = record.body;
        setBase(Number(record.base) || 0);
        if (navigator.onLine) save(); else say("offline", "offline");
      } else if (record && typeof record.body === "string" && (Number(record.base) || 0) > base) {
        // The server took this device's edit after the page was made (the page before this one saved it as
        // this one loaded): the device's copy is the newer text, and its version the server's.
        textarea.value = record.body;
        setBase(Number(record.base));
      } else {
        await remember(textarea.value, false);
      }
      syncOthers(key, owner);
    });
  }

  // Every signed-in page loads this file: where no note panel is, the device's pending edits of any unit are
  // sent now and whenever the network returns.
  document.addEventListener("DOMContentLoaded", () => {
    const panels = document.querySelectorAll(".notes-panel[data-note-api]");
    panels.forEach(setUp);
    const user = document.querySelector('meta[name="signed-in-user"]');
    if (panels.length || !user || !user.content) return;
    syncOthers(null, user.content);
    window.addEventListener("online", () => syncOthers(null, user.content));
  });
})();
