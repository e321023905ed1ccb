"""Repairs scraped article text without changing what it says.

Scraped news pages glue sentences together ("continente.Ad esempio"), put photo captions
inline ("(foto: European Council)Un'osservazione"), embed social posts whose signature runs into
the next sentence ("— John Healey (@JohnHealey_MP) April 10, 2025Sia come sia"), and end with
"LEGGI TUTTO". Every fix only adds white space or drops that trailing boilerplate, so captions
and embedded posts stay searchable.
"""

from __future__ import annotations

import re
import unicodedata

from articleqa.lang import alternation_for

_UPPER = "A-ZÀ-ÖØ-Þ"
# ".Ad", "”.L’", "?Il" — sentence punctuation (and closing quotes) glued to a capital letter.
# The letter before must be lower-case or a quote/bracket/digit, which spares "U.S." and URLs.
_GLUED_SENTENCE = re.compile(rf"(?<=[a-zà-ÿ0-9”“\"’»)%])([.!?…][”\"’»]?)(?=[{_UPPER}“\"«])")
# "(foto: Mandel Ngan/Afp)Il portavoce" — a caption glued to the next sentence.
_CAPTION = re.compile(rf"(\({alternation_for('caption_words')}\s*:[^()\n]{{1,120}}\))[ \t]*(?=\S)",
                      re.I)
# "…/Y0mJkTRH5u— John Healey (@JohnHealey_MP) April 10, 2025Sia" — a post's signature.
_POST_SIGNATURE = re.compile(
    r"[ \t]*—[ \t]*([^()\n—]{1,60}\(@\w{1,30}\)[ \t]+[A-Z][a-z]+[ \t]+\d{1,2},[ \t]+\d{4})[ \t]*")
_TRAILING_BOILERPLATE = re.compile(rf"\s*{alternation_for('read_more')}\s*$", re.I)
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_article_text(raw: str) -> str:
    """Return ``raw`` with sentence boundaries, captions and embedded posts separated."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.lstrip("\ufeff"))
    text = _POST_SIGNATURE.sub(lambda m: f" — {m.group(1)}\n", text)
    text = _CAPTION.sub(lambda m: f"{m.group(1)}\n", text)
    text = _GLUED_SENTENCE.sub(lambda m: f"{m.group(1)} ", text)
    text = _TRAILING_BOILERPLATE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
