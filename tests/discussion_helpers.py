"""A course whose pack has discussion units with participation rules, for the discussion tests."""
from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

import yaml

from moocplatform.catalog.services import import_pack
from tests.factories import write_pack

DISCUSSION_UNITS = {"talk-1": {"posts": 1, "replies": 1}, "talk-2": {"posts": 1, "replies": 0}}


def make_discussion_course(slug: str = "forum-course", *, discussions="all"):
    folder = write_pack(Path(tempfile.mkdtemp(prefix="pack-")), slug)
    manifest = yaml.safe_load((folder / "course.yaml").read_text())
    for n, (key, rule) in enumerate(DISCUSSION_UNITS.items(), start=1):
        rel = f"units/m2/9{n}-{key}.md"
        (folder / rel).write_text(textwrap.dedent(f"""\
            ---
            id: {key}
            title: Talk {n}
            type: discussion
            minutes: 10
            participation: {{posts: {rule['posts']}, replies: {rule['replies']}}}
            ---
            PROMPT-{key}: share one thing you tried this week.
            """))
        manifest["modules"][-1]["units"].append(rel)
    manifest["format"] = 2
    manifest["outcomes"] = [{"id": "o1", "text": "Do one thing well."}]
    manifest["completion"] = {"required_units": ["m1-u1"], "discussions": discussions}
    (folder / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return import_pack(None, folder).course
