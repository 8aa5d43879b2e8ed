"""CSRF, security headers, pack-asset serving and error pages."""
import pytest
import sqlalchemy as sa

from moocplatform.catalog import queries
from moocplatform.catalog.models import PackFile
from moocplatform.extensions import db
from tests.conftest import log_in
from tests.factories import enrol, make_course, make_user


@pytest.mark.parametrize("path", ["/login", "/register", "/forgot-password", "/courses/alpha/enrol",
                                  "/logout", "/account"])
def test_posts_without_csrf_token_are_refused(client, csrf_enabled, path):
    make_course("alpha")
    log_in(client, make_user()) if path in ("/courses/alpha/enrol", "/account") else None
    response = client.post(path, data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_forms_carry_a_csrf_token(client, csrf_enabled):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_security_headers(client):
    response = client.get("/courses")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pack_assets_are_served_immutable_and_sandboxed(client):
    make_course("alpha")
    asset = db.session.scalar(sa.select(PackFile))
    response = client.get(f"/assets/{asset.sha256}/square.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["ETag"]
    response.close()
    again = client.get(f"/assets/{asset.sha256}/square.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    again.close()


@pytest.mark.parametrize("path", [
    "/assets/{sha}/other-name.svg",
    "/assets/{sha}/..%2f..%2fsecret_key",
    "/assets/../instance/secret_key",
    "/assets/0000000000000000000000000000000000000000000000000000000000000000/square.svg",
    "/assets/not-a-hash/square.svg",
])
def test_pack_asset_route_refuses_anything_but_known_files(client, path):
    make_course("alpha")
    asset = db.session.scalar(sa.select(PackFile))
    assert client.get(path.format(sha=asset.sha256)).status_code == 404


def test_unexpected_errors_show_a_friendly_page(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(queries, "catalogue", broken)
    response = client.get("/courses")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "database on fire" not in body and "Traceback" not in body


def test_unknown_ids_give_404(client):
    course = make_course("alpha")
    learner = make_user()
    enrol(learner, course)
    log_in(client, make_user("admin"))
    for path in ("/admin/users/999999", "/courses/alpha/units/nope", "/people/999999", "/courses/none/references"):
        assert client.get(path).status_code == 404, path
    assert client.post("/admin/users/999999/suspend").status_code == 404
    assert client.post("/admin/courses/999999/archive").status_code == 404


def test_json_errors_for_json_clients(client):
    response = client.get("/courses/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == "Page not found"
