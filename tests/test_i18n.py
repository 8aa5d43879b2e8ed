"""Pages speak the request's language: the profile's locale first, then the browser's Accept-Language."""
from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from moocplatform import create_app


@pytest.fixture()
def bilingual(tmp_path, app):
    """The application in English and German, with a German catalogue of a few strings."""
    catalog = Catalog(locale="de")
    catalog.add("Courses", "Kurse")
    catalog.add("Log in", "Anmelden")
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return create_app({
        "TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path), "SUPPORTED_LOCALES": ("en", "de"),
    })


def test_templates_use_the_catalogue_of_the_requests_locale(bilingual):
    client = bilingual.test_client()
    german = client.get("/login", headers={"Accept-Language": "de-AT, de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de">' in german and ">Kurse</a>" in german and ">Anmelden</" in german
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and ">Courses</a>" in english and "Kurse" not in english


def test_a_mail_rendered_during_a_request_speaks_its_recipients_language(bilingual):
    """rendering_for wins over what the request looked up and kept for itself (request_locale's cache)."""
    from flask import render_template_string

    from moocplatform.i18n import rendering_for, request_locale

    with bilingual.test_request_context("/", headers={"Accept-Language": "en"}):
        assert request_locale() == "en" and render_template_string("{{ _('Courses') }}") == "Courses"
        with rendering_for("de", "Europe/Vienna"):
            assert request_locale() == "de"
            assert render_template_string("{{ _('Courses') }}") == "Kurse"
        assert request_locale() == "en" and render_template_string("{{ _('Courses') }}") == "Courses"


def test_template_strings_escape_what_they_are_given_and_read_a_doubled_percent_sign(app):
    """Templates' _() and gettext behave as Jinja's new-style gettext does (see i18n.install_template_gettext)."""
    with app.test_request_context("/"):
        source = ('{{ _("Edited by %(who)s", who=name) }}|{{ gettext("100%% done") }}|{{ _("Reply") }}|'
                  '{{ _("%(n)d%% of %(total)d", n=3, total=4) }}')
        rendered = app.jinja_env.from_string(source).render(name="<b>Ada</b>")
    assert rendered == "Edited by &lt;b&gt;Ada&lt;/b&gt;|100% done|Reply|3% of 4"


def test_a_moment_ago_reads_just_now_and_older_ones_read_their_age(app):
    from datetime import timedelta

    from moocplatform import clock
    with app.test_request_context("/"):
        ago = app.jinja_env.filters["ago"]
        assert ago(clock.now()) == "just now"
        assert ago(clock.now() - timedelta(seconds=59)) == "just now"
        assert ago(clock.now() - timedelta(hours=3)) == "3 hours ago"
        assert ago(None) == ""


def test_dates_read_as_flask_babel_formats_them_in_each_locale_and_zone_though_each_is_formatted_once(bilingual):
    """The datetime filter keeps each formatted date (templating._datetime_in); the same instant still reads
    in the viewer's language and time zone, whichever came first."""
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    from moocplatform.i18n import rendering_for
    from moocplatform.templating import _datetime_in, _medium_without_seconds

    when = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 in Vienna, two hours after the clocks go forward
    show = bilingual.jinja_env.filters["datetime"]
    with bilingual.test_request_context("/"):
        seen = {}
        for locale, zone in [("en", "UTC"), ("de", "Europe/Vienna"), ("en", "Europe/Vienna"), ("de", "UTC")]:
            with rendering_for(locale, zone):
                for style in ("medium", "short", "long"):
                    expected = format_datetime(when, _medium_without_seconds(locale) if style == "medium" else style)
                    assert show(when, style) == expected
                    seen[locale, zone, style] = expected
        with rendering_for("de", "Europe/Vienna"):
            hits = _datetime_in.cache_info().hits
            assert show(when, "short") == seen["de", "Europe/Vienna", "short"]
            assert _datetime_in.cache_info().hits == hits + 1
    assert seen["de", "Europe/Vienna", "short"] == "29.03.26, 01:30"
    assert seen["en", "UTC", "medium"] == "Mar 29, 2026, 12:30\u202fAM"
    assert len(set(seen.values())) == len(seen)
    assert show(None) == ""
