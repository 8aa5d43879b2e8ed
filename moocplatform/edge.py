"""The edge: a request whose path, query string or form fields hold a NUL byte or bytes that are not UTF-8 is
refused with a 400 before any view runs. Werkzeug would decode such bytes to U+FFFD and pass a NUL on, which
PostgreSQL then refuses inside a query (a 500); no page of ours takes either."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, abort, current_app, request
from flask.globals import request_ctx

URLENCODED = "application/x-www-form-urlencoded"


def _is_clean(raw: bytes) -> bool:
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _wsgi_bytes(text: str) -> bytes:
    # WSGI gives the path and query string as latin-1 text that stands for the bytes received.
    return text.encode("latin-1", errors="replace")


def _query_is_clean(query: bytes) -> bool:
    return _is_clean(unquote_to_bytes(query.replace(b"+", b" ")))


def _form_is_clean() -> bool:
    if request.mimetype == URLENCODED:
        length = request.content_length
        limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
        if length is None:
            return True
        if limit is not None and length > limit:
            # Werkzeug bounds multipart fields by MAX_FORM_MEMORY_SIZE, but reads an urlencoded form whole.
            abort(413, description="The form is larger than any form here takes.")
        return _query_is_clean(request.get_data(cache=True))
    if request.mimetype == "multipart/form-data":
        # Field values arrive decoded (undecodable bytes already replaced); a NUL is still there to see.
        fields = request.form.items(multi=True)
        names = (file.filename or "" for file in request.files.values())
        return not any("\x00" in key or "\x00" in value for key, value in fields) and not any(
            "\x00" in name for name in names)
    if request.is_json:
        data = request.get_data(cache=True)
        return _is_clean(data) and b"\\u0000" not in data
    return True


def _bind_urls_when_the_host_is_unreadable() -> None:
    """Flask leaves a request without URL adapter when its Host header cannot be read (the routing error, a
    400, is raised later); the error page still builds links (relative ones), so bind them to our own name."""
    if request_ctx.url_adapter is None:
        host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").netloc or "localhost"
        request_ctx.url_adapter = current_app.url_map.bind(host, script_name=request.root_path or "/")


def refuse_unclean_input() -> None:
    _bind_urls_when_the_host_is_unreadable()
    environ = request.environ
    if not _is_clean(_wsgi_bytes(environ.get("PATH_INFO", ""))):
        abort(400, description="The address holds characters no page takes.")
    if not _query_is_clean(_wsgi_bytes(environ.get("QUERY_STRING", ""))):
        abort(400, description="The address holds characters no page takes.")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _form_is_clean():
        abort(400, description="The form holds characters no field takes.")


def init_app(app: Flask) -> None:
    """Runs right after the transaction boundary begins the request, before CSRF checks and views."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(1 if hooks else 0, refuse_unclean_input)
