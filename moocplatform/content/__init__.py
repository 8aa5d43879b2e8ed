"""Content packs: reading, checking and rendering course folders. No Flask imports here."""
from .pack import Pack, PackError, PackModule, PackUnit, Problem, load_pack, parse_version, render_pack

__all__ = [
    "Pack", "PackError", "PackModule", "PackUnit", "Problem", "load_pack", "parse_version", "render_pack",
]
