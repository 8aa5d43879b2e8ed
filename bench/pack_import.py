"""Import a generated 200-unit pack into a fresh SQLite database, three times; print the median time.

    .venv/bin/python -m bench.pack_import [--units 200] [--runs 3]

The quality bar is under 5 s for 200 units on SQLite.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from flask_migrate import upgrade

from moocplatform import create_app
from moocplatform.catalog.services import import_pack
from moocplatform.extensions import db

PARAGRAPH = ("Retrieval practice means recalling what you learned without looking at it. Each time you bring an "
             "idea back to mind, it becomes easier to find again later, so short self-tests are worth more than "
             "rereading the same page. ")


def write_big_pack(root: Path, units: int, modules: int = 10) -> Path:
    pack = root / "big-course"
    per_module = units // modules
    manifest = {
        "id": "big-course", "title": "A large course", "version": "1.0.0", "language": "en",
        "summary": "A generated course for the import benchmark.", "description": "Generated.",
        "outcomes": ["Import quickly."],
        "competences": [{"framework": "LifeComp", "code": "L3", "name": "Managing learning"}],
        "effort_hours_per_week": 3, "duration_weeks": modules, "licence": "CC-BY-SA-4.0",
        "authors": [{"name": "Benchmark"}], "enrolment": {"mode": "open"}, "modules": [],
    }
    (pack / "assets").mkdir(parents=True)
    (pack / "assets" / "figure.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Figure</title>'
        '<rect width="10" height="10"/></svg>')
    for m in range(1, modules + 1):
        files = []
        for u in range(1, per_module + 1):
            rel = f"units/m{m}/{u:02d}-unit.md"
            (pack / rel).parent.mkdir(parents=True, exist_ok=True)
            body = "\n\n".join(f"## Part {p}\n\n" + PARAGRAPH * 4 for p in range(1, 5))
            (pack / rel).write_text(
                f"---\nid: m{m}-u{u}\ntitle: Unit {m}.{u}\ntype: text\nminutes: 10\npreview: false\n---\n{body}\n\n"
                "![A figure](assets/figure.svg)\n\n| A | B |\n|---|---|\n| 1 | 2 |\n")
            files.append(rel)
        manifest["modules"].append({"id": f"m{m}", "title": f"Module {m}", "units": files})
    (pack / "course.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return pack


def time_import(units: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pack = write_big_pack(root, units)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite3'}",
                          "ASSET_STORE_DIR": str(root / "assets"), "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            import_pack(None, pack)
            db.session.commit()
            elapsed = time.perf_counter() - start
            db.engine.dispose()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = [time_import(args.units) for _ in range(args.runs)]
    print(f"Import of a {args.units}-unit pack on SQLite: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
