"""Check a pack (folder or .zip) without importing it, and count what it holds."""
from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .archive import open_pack
from .markdown_checks import count_words
from .model import UNIT_TYPES, Pack, PackError, Report
from .pack import inspect_pack


@contextmanager
def opened_pack(path: str | Path, **limits) -> Iterator[Path]:
    """The pack folder of a folder or .zip, for the duration of the block (a zip is extracted into a temporary
    folder that is removed afterwards). Raises ArchiveError for a refused archive."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="pack-") as workdir:
        yield open_pack(path, Path(workdir), **limits)


def validate_pack(path: str | Path, *, video_hosts: Iterable[str] = (), **limits) -> Report:
    """Every problem and warning of the pack at `path` (a folder or a .zip). Never raises for a bad pack."""
    try:
        with opened_pack(path, **limits) as root:
            return inspect_pack(root, video_hosts=video_hosts)
    except PackError as error:
        return Report(error.problems, error.warnings)


@dataclass
class UnitStats:
    key: str
    title: str
    type: str
    minutes: int
    words: int | None  # text units only


@dataclass
class ModuleStats:
    key: str
    title: str
    units: list[UnitStats] = field(default_factory=list)

    @property
    def units_by_type(self) -> dict[str, int]:
        counts = Counter(unit.type for unit in self.units)
        return {kind: counts[kind] for kind in UNIT_TYPES if counts[kind]}

    @property
    def minutes(self) -> int:
        return sum(unit.minutes for unit in self.units)

    @property
    def words(self) -> int:
        return sum(unit.words or 0 for unit in self.units)


def pack_stats(pack: Pack) -> list[ModuleStats]:
    """Per module: its units with type and minutes, and the words of each text unit (the rendered text, without
    Markdown syntax, link targets or citation keys)."""
    return [
        ModuleStats(module.key, module.title, [
            UnitStats(u.key, u.title, u.type, u.minutes, count_words(u.body) if u.type == "text" else None)
            for u in module.units
        ])
        for module in pack.modules
    ]


def format_stats(pack: Pack) -> str:
    """pack_stats as plain-text tables, one per module, for the command line."""
    modules = pack_stats(pack)
    width = max([len(u.key) for m in modules for u in m.units] + [4])
    lines = [f"{pack.id} {pack.version} · {pack.title}", ""]
    for module in modules:
        lines.append(f"{module.key} · {module.title}")
        lines.append(f"  {'unit':<{width}}  {'type':<10}  {'minutes':>7}  {'words':>6}")
        for unit in module.units:
            words = "" if unit.words is None else str(unit.words)
            lines.append(f"  {unit.key:<{width}}  {unit.type:<10}  {unit.minutes:>7}  {words:>6}")
        types = ", ".join(f"{kind} {n}" for kind, n in module.units_by_type.items())
        lines.append(f"  {len(module.units)} units ({types}); {module.minutes} minutes; "
                     f"{module.words} words of text")
        lines.append("")
    total_units = sum(len(m.units) for m in modules)
    lines.append(f"Total: {len(modules)} modules, {total_units} units, {sum(m.minutes for m in modules)} minutes, "
                 f"{sum(m.words for m in modules)} words of text, {len(pack.quizzes)} quizzes")
    return "\n".join(lines)
