"""The file storage interface, on the local folder and on a real S3-compatible server (moto's, on
127.0.0.1), and pack assets going through it."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import boto3
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from moocplatform import storage
from moocplatform.catalog.models import PackFile
from moocplatform.catalog.packfiles import export_zip
from moocplatform.extensions import db
from tests.factories import make_course

BUCKET = "moocplatform-test"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str, prefix: str) -> dict[str, str]:
    return {"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": BUCKET, "STORAGE_S3_PREFIX": prefix,
            "STORAGE_S3_ENDPOINT_URL": endpoint, "STORAGE_S3_REGION": "us-east-1",
            "STORAGE_S3_ACCESS_KEY_ID": "test", "STORAGE_S3_SECRET_ACCESS_KEY": "test"}


@pytest.fixture(scope="session")
def s3(s3_endpoint):
    """A client of the test server, with the bucket made (clients are slow to make: one per session)."""
    client = boto3.session.Session().client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                                            aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(params=["local", "s3"])
def store(request, app, tmp_path):
    if request.param == "local":
        return storage.make_storage({**app.config, "STORAGE_BACKEND": "local", "STORAGE_DIR": str(tmp_path)},
                                    "uploads")
    return storage.S3Storage(request.getfixturevalue("s3"), BUCKET, f"{tmp_path.name}/uploads/")


def test_put_get_open_exists_delete(store):
    assert not store.exists("ab/one.txt")
    store.put("ab/one.txt", b"hello", "text/plain")
    store.put("ab/two.bin", io.BytesIO(b"\x00" * 300_000), "application/octet-stream")
    assert store.exists("ab/one.txt") and store.get("ab/one.txt") == b"hello"
    with store.open("ab/two.bin") as handle:
        assert len(handle.read()) == 300_000
    store.put("ab/one.txt", b"replaced", "text/plain")
    assert store.get("ab/one.txt") == b"replaced"
    store.delete("ab/one.txt")
    store.delete("ab/one.txt")  # deleting what is gone is fine
    assert not store.exists("ab/one.txt")
    with pytest.raises(storage.StoredFileMissing):
        store.get("ab/one.txt")


@pytest.mark.parametrize("key", ["../secret_key", "/etc/passwd", "a/../b", "", "a//b", "a\\b", ".hidden"])
def test_keys_cannot_leave_their_namespace(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x", "text/plain")


def test_only_s3_gives_urls(store):
    store.put("doc.pdf", b"%PDF", "application/pdf")
    url = store.url_for("doc.pdf")
    if isinstance(store, storage.LocalStorage):
        assert url is None
    else:
        assert url.startswith("http://127.0.0.1:") and "doc.pdf" in url and "Signature" in url


def test_an_unknown_backend_or_a_missing_bucket_is_a_clear_error(app):
    with pytest.raises(RuntimeError, match="STORAGE_BACKEND"):
        storage.make_storage({**app.config, "STORAGE_BACKEND": "ftp"}, "assets")
    with pytest.raises(RuntimeError, match="STORAGE_S3_BUCKET"):
        storage.make_storage({**app.config, "STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": ""}, "assets")


def test_local_assets_keep_their_folder_layout(app):
    make_course("alpha")
    asset = db.session.scalar(sa.select(PackFile).where(PackFile.path.startswith("assets/")))
    path = storage.storage_for("assets").path(f"{asset.sha256[:2]}/{asset.sha256}")  # type: ignore[attr-defined]
    assert str(path).startswith(app.config["ASSET_STORE_DIR"]) and path.is_file()


@pytest.fixture()
def assets_in_s3(app, s3_endpoint, s3, tmp_path, monkeypatch):
    """The app stores pack files in the S3 server for one test, configured as an installation would be."""
    for key, value in s3_settings(s3_endpoint, f"{tmp_path.name}/").items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, storage.EXTENSION_KEY, {})
    return s3, f"{tmp_path.name}/assets/"


def test_pack_assets_are_stored_served_and_exported_through_s3(client, assets_in_s3):
    s3, prefix = assets_in_s3
    course = make_course("alpha")
    asset = db.session.scalar(sa.select(PackFile).where(PackFile.path.startswith("assets/")))
    stored = s3.head_object(Bucket=BUCKET, Key=f"{prefix}{asset.sha256[:2]}/{asset.sha256}")
    assert stored["ContentType"] == "image/svg+xml"
    response = client.get(f"/assets/{asset.sha256}/square.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.get_data()
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "immutable" in response.headers["Cache-Control"] and response.headers["ETag"]
    again = client.get(f"/assets/{asset.sha256}/square.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    with zipfile.ZipFile(io.BytesIO(export_zip("alpha", course.live_version_id))) as archive:
        assert archive.read(f"alpha/{asset.path}") == response.get_data()
    s3.delete_object(Bucket=BUCKET, Key=f"{prefix}{asset.sha256[:2]}/{asset.sha256}")
    assert client.get(f"/assets/{asset.sha256}/square.svg").status_code == 404
