"""The content-addressed store of pack files: instance/assets/ab/abcdef… (sha256 of the bytes)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app


def store_root() -> Path:
    return Path(current_app.config["ASSET_STORE_DIR"])


def stored_path(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 digest")
    return store_root() / sha256[:2] / sha256


def put_file(source: Path, sha256: str) -> Path:
    """Copy a file into the store (atomically; a file already stored is kept)."""
    target = stored_path(sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)
    return target
