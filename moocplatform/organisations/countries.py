"""Countries as ISO 3166-1 alpha-2 codes, named in the reader's language by the locale data Babel ships.

Babel's territory list also holds regions and codes ISO 3166-1 does not assign (the EU, Kosovo's
user-assigned XK, the "exceptionally reserved" codes such as AC or EA): those are left out, so the 249 codes
that remain are exactly ISO's."""
from __future__ import annotations

from functools import cache

from babel import Locale
from flask_babel import get_locale

NOT_ISO_3166_1 = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK",
                            "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166_1)


def country_name(code: str) -> str:
    """The country's name in the reader's language (the code itself when no name is known)."""
    locale = get_locale() or Locale("en")
    return str(locale.territories.get(code) or Locale("en").territories.get(code) or code)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) sorted by name in the reader's language."""
    return sorted(((code, country_name(code)) for code in country_codes()), key=lambda pair: pair[1].casefold())
