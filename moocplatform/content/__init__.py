"""Content packs: reading, checking and rendering course folders and uploaded archives. No Flask imports here.

The format is docs/content-packs.md; its JSON Schemas are in schemas/.
"""
from .archive import ArchiveError, open_pack
from .model import Pack, PackAssetFile, PackError, PackModule, PackQuiz, PackUnit, Problem, Report, parse_version
from .pack import inspect_pack, load_pack
from .render import render_pack
from .schema import schema_path
from .validate import ModuleStats, UnitStats, format_stats, opened_pack, pack_stats, validate_pack

__all__ = [
    "ArchiveError", "ModuleStats", "Pack", "PackAssetFile", "PackError", "PackModule", "PackQuiz", "PackUnit",
    "Problem", "Report", "UnitStats", "format_stats", "inspect_pack", "load_pack", "open_pack", "opened_pack",
    "pack_stats", "parse_version", "render_pack", "schema_path", "validate_pack",
]
