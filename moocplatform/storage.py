"""The one file storage interface: pack assets now, uploads later.

Files live in namespaces ("assets", "uploads", …) of one backend chosen by STORAGE_BACKEND: a folder under
instance/ (the default; backed up with it) or an S3-compatible bucket (boto3; any endpoint by
STORAGE_S3_ENDPOINT_URL). Callers never see paths or buckets, only keys such as "ab/abcdef…".
"""
from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Response, current_app, request, send_file

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
CHUNK_SIZE = 256 * 1024
EXTENSION_KEY = "moocplatform.storage"
# Namespaces whose local folder has a setting of its own (kept for installations that set it).
LOCAL_DIR_SETTINGS = {"assets": "ASSET_STORE_DIR"}


class StoredFileMissing(FileNotFoundError):
    pass


def check_key(key: str) -> str:
    if len(key) > 512 or not KEY_PATTERN.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def url_for(self, key: str, *, expires_in: int = 300) -> str | None: ...
    def send(self, key: str, *, mimetype: str, etag: str, max_age: int, download_name: str) -> Response: ...


def _as_stream(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data


class LocalStorage:
    """Files in a folder; written atomically (a reader never sees half a file)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(_as_stream(data), handle, CHUNK_SIZE)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error

    def get(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def url_for(self, key: str, *, expires_in: int = 300) -> str | None:
        return None  # served by the application (send)

    def send(self, key: str, *, mimetype: str, etag: str, max_age: int, download_name: str) -> Response:
        path = self.path(key)
        if not path.is_file():
            raise StoredFileMissing(key)
        return send_file(path, mimetype=mimetype, etag=etag, conditional=True, max_age=max_age,
                         download_name=download_name)


class S3Storage:
    """Objects in an S3-compatible bucket under a prefix (one per namespace)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _missing(self, error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        self.client.upload_fileobj(_as_stream(data), self.bucket, self._name(key),
                                   ExtraArgs={"ContentType": content_type})

    def _get_object(self, key: str, **extra: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key), **extra)
        except ClientError as error:
            if self._missing(error):
                raise StoredFileMissing(key) from error
            raise

    def open(self, key: str) -> BinaryIO:
        return self._get_object(key)["Body"]

    def get(self, key: str) -> bytes:
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def url_for(self, key: str, *, expires_in: int = 300) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._name(key)}, ExpiresIn=expires_in)

    def send(self, key: str, *, mimetype: str, etag: str, max_age: int, download_name: str) -> Response:
        """Streams the object through the application, so the app's headers (CSP sandbox, disposition)
        apply; a matching If-None-Match is answered 304 without fetching the body."""
        if request.if_none_match.contains(etag):
            if not self.exists(key):
                raise StoredFileMissing(key)
            response = Response(status=304)
        else:
            obj = self._get_object(key)
            body = obj["Body"]
            response = Response(_chunks(body), mimetype=mimetype, direct_passthrough=True)
            response.content_length = obj["ContentLength"]
        response.set_etag(etag)
        response.cache_control.max_age = max_age
        response.cache_control.public = True
        return response


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_SIZE)
    finally:
        body.close()


def _s3_client(config: Any) -> Any:
    import boto3  # only installations that store in S3 load the SDK

    return boto3.session.Session().client(
        "s3",
        endpoint_url=config["STORAGE_S3_ENDPOINT_URL"] or None,
        region_name=config["STORAGE_S3_REGION"] or None,
        aws_access_key_id=config["STORAGE_S3_ACCESS_KEY_ID"] or None,
        aws_secret_access_key=config["STORAGE_S3_SECRET_ACCESS_KEY"] or None,
    )


def make_storage(config: Mapping[str, Any], namespace: str) -> Storage:
    """A store for one namespace from settings (the app's config)."""
    backend = config["STORAGE_BACKEND"]
    if backend == "local":
        setting = LOCAL_DIR_SETTINGS.get(namespace)
        root = config.get(setting) if setting else None
        return LocalStorage(Path(root or Path(config["STORAGE_DIR"]) / namespace))
    if backend == "s3":
        if not config["STORAGE_S3_BUCKET"]:
            raise RuntimeError("STORAGE_BACKEND is s3 but STORAGE_S3_BUCKET is not set")
        return S3Storage(_s3_client(config), config["STORAGE_S3_BUCKET"],
                         f"{config['STORAGE_S3_PREFIX']}{namespace}/")
    raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r} (local or s3)")


def storage_for(namespace: str) -> Storage:
    """The app's store for one namespace, made on first use."""
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", namespace):
        raise ValueError(f"not a storage namespace: {namespace!r}")
    stores: dict[str, Storage] = current_app.extensions.setdefault(EXTENSION_KEY, {})
    if namespace not in stores:
        stores[namespace] = make_storage(current_app.config, namespace)
    return stores[namespace]
