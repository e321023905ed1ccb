"""The registered languages: adding one is importing its module here (README, "Adding a
language")."""

from __future__ import annotations

from articleqa.lang.base import Language, LanguageDataError
from articleqa.lang.en import ENGLISH
from articleqa.lang.it import ITALIAN

LANGUAGES: dict[str, Language] = {language.code: language for language in (ITALIAN, ENGLISH)}
# What a text with no sign of any language is taken for (a bare name: "Kallas?").
FALLBACK = "en"


def languages() -> tuple[Language, ...]:
    """Every registered language, in registration order."""
    return tuple(LANGUAGES.values())


def get_language(code: str) -> Language:
    """The language registered as ``code``."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise LanguageDataError(f"no language module for {code!r} (have: "
                                f"{', '.join(LANGUAGES)}); add articleqa/lang/{code}.py and "
                                "register it in lang/registry.py") from None


def known(code: str | None) -> Language | None:
    """The language ``code`` names, or None for "other", None and codes with no module."""
    return LANGUAGES.get(code) if code else None
