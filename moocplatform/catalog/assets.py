"""The content-addressed store of pack files: key ab/abcdef… (sha256 of the bytes) in the storage namespace
"assets" (instance/assets/ with the local backend)."""
from __future__ import annotations

from pathlib import Path

from flask import Response

from ..storage import Storage, storage_for

NAMESPACE = "assets"


def store() -> Storage:
    return storage_for(NAMESPACE)


def asset_key(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256 digest")
    return f"{sha256[:2]}/{sha256}"


def put_file(source: Path, sha256: str, content_type: str = "application/octet-stream") -> None:
    """Copy a file into the store (a file already stored is kept: the key is its content)."""
    key = asset_key(sha256)
    target = store()
    if target.exists(key):
        return
    with source.open("rb") as handle:
        target.put(key, handle, content_type)


def read_bytes(sha256: str) -> bytes:
    return store().get(asset_key(sha256))


def send_asset(sha256: str, *, mimetype: str, max_age: int, download_name: str) -> Response:
    """The file as a response (StoredFileMissing when it is not stored); the digest is its ETag."""
    return store().send(asset_key(sha256), mimetype=mimetype, etag=sha256, max_age=max_age,
                        download_name=download_name)
