"""Test data through the same services the application uses."""
from __future__ import annotations

import itertools
import tempfile
import textwrap
from pathlib import Path

import yaml

from moocplatform.accounts.services import create_verified_user
from moocplatform.admin.services import grant_role
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db
from moocplatform.learning.services import enrol_learner

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(role: str | None = None, *, course=None, verified: bool = True, email: str | None = None,
              display_name: str | None = None, **profile):
    n = next(_counter)
    user = create_verified_user(email or f"user{n}@example.org", display_name or f"User {n}", PASSWORD, **profile)
    if not verified:
        user.email_verified_at = None
    if role == "admin":
        grant_role(None, user, "admin")
    elif role in ("facilitator", "course_team"):
        grant_role(None, user, role, course)
    db.session.flush()
    return user


def write_pack(root: Path, slug: str = "demo-course", *, version: str = "1.0.0", modules: int = 2,
               units_per_module: int = 3, title: str | None = None, language: str = "en",
               effort: int = 3, competences=None, enrolment=None, unit_keys=None, extra_files=None) -> Path:
    """Write a small valid content pack and return its folder."""
    pack = root / f"{slug}-{version}"
    competences = competences or [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"}]
    manifest = {
        "id": slug, "title": title or slug.replace("-", " ").title(), "version": version, "language": language,
        "summary": f"A short course called {slug}.", "description": "A course *for tests*. See [@ref1].",
        "outcomes": ["Do one thing well."], "competences": competences, "effort_hours_per_week": effort,
        "duration_weeks": modules, "licence": "CC-BY-SA-4.0", "authors": [{"name": "Test team"}],
        "enrolment": enrolment or {"mode": "open"}, "modules": [],
    }
    keys = iter(unit_keys) if unit_keys else None
    for m in range(1, modules + 1):
        files = []
        for u in range(1, units_per_module + 1):
            key = next(keys) if keys else f"m{m}-u{u}"
            rel = f"units/m{m}/{u:02d}-{key}.md"
            path = pack / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(f"""\
                ---
                id: {key}
                title: Unit {m}.{u} ({key})
                type: text
                minutes: 10
                preview: {'true' if (m, u) == (1, 1) else 'false'}
                ---
                Body of unit {key}, version {version}. ![A square](assets/square.svg)
                """))
            files.append(rel)
        manifest["modules"].append({"id": f"m{m}", "title": f"Week {m}", "summary": f"Week {m} of the course.",
                                    "units": files})
    (pack / "assets").mkdir(parents=True, exist_ok=True)
    (pack / "assets" / "square.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Square</title>'
        '<rect width="10" height="10"/></svg>')
    (pack / "references.yaml").write_text(yaml.safe_dump([
        {"key": "ref1", "short": "Author, 2020", "citation": "Author, A. (2020). A book. Publisher."}]))
    (pack / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    for rel, text in (extra_files or {}).items():
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text(text)
    return pack


def make_course(slug: str | None = None, **pack_options):
    """Write a pack and import it; returns the Course."""
    slug = slug or f"course-{next(_counter)}"
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), slug, **pack_options)
    return import_pack(None, folder).course


def enrol(user, course):
    enrollment = enrol_learner(user, course)
    db.session.flush()
    return enrollment
