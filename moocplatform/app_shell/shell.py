"""The manifest and the service worker's script, built from the package's static files.

The worker's script is the static file `js/service-worker.js` with its settings in front: the version of the
app shell (a digest of the files it keeps, so a new release replaces the old shell) and the shell's URLs."""
from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _

THEME_COLOUR = "#0b5cad"
BACKGROUND_COLOUR = "#ffffff"
# Every style sheet and script the pages load (the notes' offline editing too), and the icons.
SHELL_PATTERNS = ("css/*.css", "js/*.js", "img/icon.svg", "img/app/icon-192.png", "img/app/icon-512.png")
WORKER_FILE = "js/service-worker.js"
ICONS = (("img/app/icon-192.png", "192x192", "any"), ("img/app/icon-512.png", "512x512", "any"),
         ("img/app/icon-maskable-192.png", "192x192", "maskable"),
         ("img/app/icon-maskable-512.png", "512x512", "maskable"))
# Kept offline at most: a learner's unit pages with their images, least recently read go first.
MAX_UNITS = 50
MAX_BYTES = 50 * 1024 * 1024


def manifest(locale: str) -> dict[str, Any]:
    return {
        "id": url_for("app_shell.home"),
        "name": "moocplatform",
        "short_name": "moocplatform",
        "description": _("Open courses, learned together."),
        "lang": locale,
        "start_url": url_for("app_shell.home"),
        "scope": request.script_root + "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{"src": url_for("static", filename=path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
    }


def _static(path: str) -> Path:
    return Path(current_app.static_folder or "") / path


@cache
def _digest(paths: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _shell_files(folder: str) -> tuple[str, ...]:
    root = Path(folder)
    found = {path.relative_to(root).as_posix() for pattern in SHELL_PATTERNS for path in root.glob(pattern)}
    return tuple(sorted(found - {WORKER_FILE}))


def worker_script() -> str:
    """The service worker with its settings; its version changes whenever a file of the shell does."""
    files = _shell_files(current_app.static_folder or "")
    shell_urls = [url_for("app_shell.offline_page")] + [url_for("static", filename=f) for f in files]
    version = _digest(tuple(_static(f) for f in (*files, WORKER_FILE)))
    settings = {"version": version, "shell": shell_urls, "offlinePage": url_for("app_shell.offline_page"),
                "maxUnits": MAX_UNITS, "maxBytes": MAX_BYTES,
                "icon": url_for("static", filename="img/app/icon-192.png")}
    return f"const SETTINGS = {json.dumps(settings)};\n" + _static(WORKER_FILE).read_text(encoding="utf-8")
