"""An area writes only its own tables: it asks another area's service for the rest, and reads another area's
models only in its read-models (`queries.py`, `stats.py`, or a `*_queries.py` beside them) or in type hints.
A module that imports another area's model class anywhere else fails this test, so a write into a foreign
table cannot creep back."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import moocplatform
from moocplatform.extensions import db

PACKAGE = Path(moocplatform.__file__).parent
NOT_AREAS = {"content", "templates", "static", "translations"}  # content/ is a library without Flask or tables
READ_MODELS = {"queries.py", "stats.py"}
AREAS = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name not in NOT_AREAS)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _absolute(module_path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    parts = ["moocplatform", *module_path.relative_to(PACKAGE).with_suffix("").parts]
    base = parts[:-node.level]
    return ".".join(base + ([node.module] if node.module else []))


def foreign_model_imports(module_path: Path, source: str) -> list[str]:
    """'area/module.py:line imports other.Model' for each import of another area's model class."""
    area = module_path.relative_to(PACKAGE).parts[0]
    if module_path.name in READ_MODELS or module_path.name.endswith("_queries.py"):
        return []
    tree = ast.parse(source)
    hints = _type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.lineno in hints:
            continue
        target = _absolute(module_path, node).split(".")
        if len(target) == 2 and target[0] == "moocplatform" and target[1] in AREAS and target[1] != area:
            found += [f"{module_path.relative_to(PACKAGE)}:{node.lineno} imports {target[1]}.models"
                      for alias in node.names if alias.name == "models"]
            continue
        if len(target) != 3 or target[0] != "moocplatform" or target[2] != "models":
            continue
        other = target[1]
        if other == area or other not in AREAS:
            continue
        module = importlib.import_module(".".join(target))
        for alias in node.names:
            value = getattr(module, alias.name, None)
            if isinstance(value, type) and issubclass(value, db.Model):
                found.append(f"{module_path.relative_to(PACKAGE)}:{node.lineno} imports {other}.{alias.name}")
    return found


def area_modules() -> list[Path]:
    return sorted(path for area in AREAS for path in (PACKAGE / area).rglob("*.py"))


def test_the_areas_are_found():
    assert {"accounts", "admin", "catalog", "learning", "quizzes", "studio"} <= set(AREAS)


def test_no_area_imports_another_areas_models_outside_its_read_models():
    found = [line for path in area_modules() for line in foreign_model_imports(path, path.read_text())]
    assert found == []


@pytest.mark.parametrize(("module", "source"), [
    ("catalog/services.py", "from ..quizzes.models import QuizDefinition\n"),  # quiz definitions belong to quizzes
    ("quizzes/services.py", "from ..learning.models import Enrollment\n"),  # enrolment locking belongs to learning
    ("learning/completion.py", "from moocplatform.quizzes.models import QuizAttempt\n"),
    ("admin/views.py", "from ..accounts.models import RoleGrant, User\n"),
    ("studio/views.py", "from ..catalog import models\n"),
])
def test_a_foreign_model_import_is_caught(module, source):
    assert foreign_model_imports(PACKAGE / module, source)


@pytest.mark.parametrize(("module", "source"), [
    ("learning/queries.py", "from ..catalog.models import Course\n"),  # a read-model may join
    ("learning/completion.py", "if TYPE_CHECKING:\n    from ..catalog.models import Course\n"),
    ("admin/services.py", "from ..accounts.models import ROLES\n"),  # constants are no tables
    ("quizzes/services.py", "from .models import QuizAttempt\n"),
])
def test_reads_hints_constants_and_own_models_are_allowed(module, source):
    assert foreign_model_imports(PACKAGE / module, source) == []
