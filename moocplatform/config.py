"""Configuration: defaults, then instance/config.py, then environment variables, then the caller's dict."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_VIDEO_EMBED_HOSTS = (
    "www.youtube-nocookie.com",
    "www.youtube.com",
    "player.vimeo.com",
)


class Defaults:
    SQLALCHEMY_DATABASE_URI = ""  # filled with the instance SQLite file when empty
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # The address users reach, for links in mails; when unset, the development server's HOST and PORT.
    PUBLIC_BASE_URL = ""
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Server-side sessions (accounts/sessions.py). With SESSION_COOKIE_SECURE both cookies take the __Host- prefix.
    # A session not remembered ends after SESSION_IDLE_TIMEOUT unused and SESSION_MAX_LIFETIME after its log-in
    # however much it is used (ASVS 3.3.2, level 2); "keep me logged in" lasts REMEMBER_COOKIE_DURATION.
    SESSION_IDLE_TIMEOUT = 30 * 60
    SESSION_MAX_LIFETIME = 12 * 3600
    SESSION_TOUCH_INTERVAL = 60  # "last seen" is written at most this often, not on every request
    # Each worker keeps a signed-in browser's user and session for up to this many seconds instead of loading
    # them on every request, checked each time against counters that every change to the account moves
    # (accounts/signin_cache.py): in Redis on PostgreSQL (without REDIS_URL nothing is kept), in a file beside
    # a SQLite database. 0 turns the copies off.
    SIGN_IN_CACHE_SECONDS = 5.0
    REMEMBER_ME_COOKIE_NAME = "remember_me"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30  # a remembered device's session, however often it is used
    # Administrators' sensitive actions need the password typed in this session within this many seconds.
    RECENT_PASSWORD_SECONDS = 10 * 60
    REMEMBER_ROTATION_GRACE = 10  # seconds a replaced remember key still serves the same browser's parallel requests
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # Flask-WTF would reload WTForms' own message catalogue on every form (about 5% of a unit page's CPU);
    # the platform's validators carry their own translatable messages.
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 110 * 1024 * 1024
    # Any form field but a file (and a whole urlencoded form): the longest, a list of invitees, is 20,000
    # characters; past this the request is a 413 before a form or service reads it.
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    SUPPORTED_LOCALES = ("en",)
    # New passwords (registration, reset, change); accounts whose older password is shorter still log in.
    PASSWORD_MIN_LENGTH = 12
    # A secret (at least 32 random characters) kept outside the database and the repository, in
    # instance/config.py or the environment: passwords are HMAC-SHA256'd with it before argon2id, so a stolen
    # database alone cannot be cracked. Empty: no pepper. To rotate it, move the old one to
    # PASSWORD_PEPPER_PREVIOUS: hashes made with it still verify and are re-hashed with the new one at their
    # next log-in (accounts/passwords.py).
    PASSWORD_PEPPER = ""
    PASSWORD_PEPPER_PREVIOUS = ""
    # argon2id cost; tests lower it because hashing is deliberately slow.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    # Log-in throttling (accounts/throttling.py): per account and source, LOGIN_FREE_FAILURES failures cost
    # nothing, then each attempt waits 1, 2, 4 ... up to LOGIN_MAX_DELAY_SECONDS; an address meets a ceiling of
    # LOGIN_SOURCE_MAX_FAILURES failures in the window. A trusted device cookie lasts DEVICE_COOKIE_MAX_AGE.
    # An account meets a ceiling of LOGIN_ACCOUNT_MAX_FAILURES failures from untrusted sources (any address) in
    # LOGIN_ACCOUNT_WINDOW_SECONDS; then only its trusted devices, or a password reset, let anyone in.
    LOGIN_FREE_FAILURES = 2
    LOGIN_MAX_DELAY_SECONDS = 60
    LOGIN_SOURCE_MAX_FAILURES = 200
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    LOGIN_ACCOUNT_MAX_FAILURES = 100
    LOGIN_ACCOUNT_WINDOW_SECONDS = 3600
    DEVICE_COOKIE_NAME = "device"
    # The second factor (accounts/second_factor.py): the name authenticator apps show; how long a log-in
    # waits for its code after the password; wrong codes that end that wait; attempts per account and source
    # in a window (the rate limiter; wrong codes also count as failed log-ins, with their delays).
    SECOND_FACTOR_ISSUER = "moocplatform"
    SECOND_FACTOR_PENDING_SECONDS = 5 * 60
    SECOND_FACTOR_ATTEMPTS_PER_LOG_IN = 5
    SECOND_FACTOR_MAX_ATTEMPTS = 10
    SECOND_FACTOR_WINDOW_SECONDS = 15 * 60
    # Administrators without a second factor are sent to set one up before any other page (ASVS 4.3.1). Off by
    # default, so that the demo and development accounts log in with a password alone.
    REQUIRE_SECOND_FACTOR_FOR_ADMINS = False
    DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
    EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 2 * 3600
    TERMS_VERSION = "2026-11"
    PRIVACY_VERSION = "2026-11"
    MINIMUM_AGE = 16
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "moocplatform <no-reply@localhost>"
    MAIL_OUTBOX_DIR = ""  # defaults to instance/outbox
    REDIS_URL = ""  # when set, enqueueing wakes the outbox worker at once instead of at its next poll
    WORKER_POLL_SECONDS = 1.0  # how often an idle worker looks for rows (with Redis: how long it waits)
    WORKER_LEASE_SECONDS = 300  # a claimed row whose worker has not finished by then is claimed again
    WORKER_HEARTBEAT_STALE_SECONDS = 120  # /healthz calls the worker stale after this long without a beat
    # File storage (moocplatform.storage): "local" keeps files under STORAGE_DIR (default instance/), "s3" in a
    # bucket of any S3-compatible service.
    STORAGE_BACKEND = "local"
    STORAGE_DIR = ""
    ASSET_STORE_DIR = ""  # pack assets of the local backend; defaults to STORAGE_DIR/assets
    STORAGE_S3_BUCKET = ""
    STORAGE_S3_PREFIX = ""
    STORAGE_S3_ENDPOINT_URL = ""  # empty: AWS itself
    STORAGE_S3_REGION = ""
    STORAGE_S3_ACCESS_KEY_ID = ""  # empty: boto3's usual sources (environment, instance role)
    STORAGE_S3_SECRET_ACCESS_KEY = ""
    VIDEO_EMBED_HOSTS = DEFAULT_VIDEO_EMBED_HOSTS
    COURSES_DIR = ""  # defaults to the repository's courses/
    PROXY_FIX_HOPS = 0
    CATALOG_PAGE_SIZE = 24
    # The areas create_app installs, in order: each package's init_app(app) adds its pages, templates,
    # commands, jobs and registry entries. A name without a dot is a package of moocplatform.
    INSTALLED_AREAS = ("accounts", "tokens", "catalog", "learning", "quizzes", "notifications", "discussion", "cohorts",
                       "announcements",
                       "assignments", "certificates", "people", "notes", "portfolio", "organisations",
                       "opportunities", "admin", "studio", "ops", "app_shell", "push", "api")
    # The issuer named on certificates and in their signed credentials.
    CERTIFICATE_ISSUER_NAME = "moocplatform"
    # The issuer's country (ISO 3166-1 alpha-2, such as AT): the "awarding body and country" of a certificate's
    # supplement and the issuer's address in its credential; empty: not stated.
    CERTIFICATE_ISSUER_COUNTRY = ""
    # Public verification pages and files per client address each minute (anyone may check a certificate; a
    # script walking ids meets the limit).
    CERTIFICATE_VERIFICATIONS_PER_MINUTE = 60
    CERTIFICATE_KEY_FILE = ""  # empty: instance/certificates/issuer-ed25519.pem, made on first use
    # Requests per token in each window of the JSON API (shared through Redis when REDIS_URL is set).
    API_RATE_LIMIT = 300
    # Mail that anyone can ask for (reset and confirmation links): per recipient and per requesting address.
    REQUESTED_MAIL_PER_RECIPIENT = 3
    REQUESTED_MAIL_PER_SOURCE = 10
    REQUESTED_MAIL_WINDOW_SECONDS = 3600
    API_RATE_LIMIT_WINDOW_SECONDS = 60
    # Applications to an opportunity are deleted this many days after it closed (or was withdrawn or removed).
    OPPORTUNITY_APPLICATION_RETENTION_DAYS = 180
    # Push reminders (Web Push, VAPID): off, and nowhere to be seen, until both keys are set. The private key is
    # a PEM file's path or the key itself; `moocplatform push generate-keys` writes a pair into instance/.
    VAPID_PUBLIC_KEY = ""  # the application server key browsers subscribe with (base64url, uncompressed point)
    VAPID_PRIVATE_KEY = ""
    VAPID_SUBJECT = ""  # a contact push services may write to: mailto:... or https://...; empty: MAIL_DEFAULT_SENDER
    PUSH_ALLOW_HTTP_ENDPOINTS = False  # push services are https; http only for one on a closed network


ENVIRONMENT_SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    # env var -> (config key, parser)
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "CERTIFICATE_ISSUER_NAME": ("CERTIFICATE_ISSUER_NAME", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", lambda v: v.lower() in {"1", "true", "yes"}),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "REDIS_URL": ("REDIS_URL", str),
    "VAPID_PUBLIC_KEY": ("VAPID_PUBLIC_KEY", str),
    "VAPID_PRIVATE_KEY": ("VAPID_PRIVATE_KEY", str),
    "VAPID_SUBJECT": ("VAPID_SUBJECT", str),
    "MAIL_OUTBOX_DIR": ("MAIL_OUTBOX_DIR", str),
    "COURSES_DIR": ("COURSES_DIR", str),
    "WORKER_POLL_SECONDS": ("WORKER_POLL_SECONDS", float),
    "SIGN_IN_CACHE_SECONDS": ("SIGN_IN_CACHE_SECONDS", float),
    "WORKER_LEASE_SECONDS": ("WORKER_LEASE_SECONDS", float),
    "WORKER_HEARTBEAT_STALE_SECONDS": ("WORKER_HEARTBEAT_STALE_SECONDS", float),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in {"1", "true", "yes"}),
    "PASSWORD_PEPPER": ("PASSWORD_PEPPER", str),
    "PASSWORD_PEPPER_PREVIOUS": ("PASSWORD_PEPPER_PREVIOUS", str),
    "REQUIRE_SECOND_FACTOR_FOR_ADMINS": ("REQUIRE_SECOND_FACTOR_FOR_ADMINS",
                                         lambda v: v.lower() in {"1", "true", "yes"}),
    "SECOND_FACTOR_ISSUER": ("SECOND_FACTOR_ISSUER", str),
    "PROXY_FIX_HOPS": ("PROXY_FIX_HOPS", int),
    "STORAGE_BACKEND": ("STORAGE_BACKEND", str),
    "STORAGE_DIR": ("STORAGE_DIR", str),
    "STORAGE_S3_BUCKET": ("STORAGE_S3_BUCKET", str),
    "STORAGE_S3_PREFIX": ("STORAGE_S3_PREFIX", str),
    "STORAGE_S3_ENDPOINT_URL": ("STORAGE_S3_ENDPOINT_URL", str),
    "STORAGE_S3_REGION": ("STORAGE_S3_REGION", str),
    "STORAGE_S3_ACCESS_KEY_ID": ("STORAGE_S3_ACCESS_KEY_ID", str),
    "STORAGE_S3_SECRET_ACCESS_KEY": ("STORAGE_S3_SECRET_ACCESS_KEY", str),
    "API_RATE_LIMIT": ("API_RATE_LIMIT", int),
    "API_RATE_LIMIT_WINDOW_SECONDS": ("API_RATE_LIMIT_WINDOW_SECONDS", int),
    "OPPORTUNITY_APPLICATION_RETENTION_DAYS": ("OPPORTUNITY_APPLICATION_RETENTION_DAYS", int),
}


def load_config(app, overrides: dict[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, (key, parse) in ENVIRONMENT_SETTINGS.items():
        if env_name in os.environ and os.environ[env_name] != "":
            app.config[key] = parse(os.environ[env_name])
    if overrides:
        app.config.update(overrides)

    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'moocplatform.sqlite3'}"
    app.config["MAIL_OUTBOX_DIR"] = app.config["MAIL_OUTBOX_DIR"] or str(instance / "outbox")
    app.config["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"] or development_base_url()
    app.config["STORAGE_DIR"] = app.config["STORAGE_DIR"] or str(instance)
    app.config["ASSET_STORE_DIR"] = app.config["ASSET_STORE_DIR"] or str(Path(app.config["STORAGE_DIR"]) / "assets")
    app.config["COURSES_DIR"] = app.config["COURSES_DIR"] or str(Path(app.root_path).parent / "courses")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(instance)
    for key in ("PASSWORD_PEPPER", "PASSWORD_PEPPER_PREVIOUS"):
        if app.config[key] and len(app.config[key]) < MINIMUM_PEPPER_LENGTH:
            raise ValueError(f"{key} must be at least {MINIMUM_PEPPER_LENGTH} characters long "
                             "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')")


MINIMUM_PEPPER_LENGTH = 32


def development_base_url() -> str:
    """The address `make run` serves (its HOST and PORT, exported to the server and the worker alike)."""
    host = os.environ.get("HOST") or "127.0.0.1"
    port = os.environ.get("PORT") or "5000"
    return f"http://{host}:{port}"


def instance_secret(instance: Path) -> str:
    """The secret key kept in instance/secret_key, generated on first run and never committed."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
