"""Example questions shown under the chat box, for the articles actually indexed.

An article may ship hand-written examples in a sidecar ``<article file>.examples.json`` (a JSON
list of questions) in the corpus dir: the bundled article does. Any other indexed article gets
one question built from its title, in its own language, so the examples never ask about an
article the index does not hold.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from articleqa.index.article_index import ArticleIndex

EXAMPLES_SUFFIX = ".examples.json"
MAX_EXAMPLES = 6
# One question per article without written examples, by the article's language.
_ABOUT_TITLE = {"it": "Che cosa racconta l'articolo «{title}»?",
                "en": "What does the article “{title}” report?"}
TITLE_CHARS = 60

log = logging.getLogger("articleqa.ui")


def written_examples(corpus_dir: Path, source: str) -> list[str]:
    """The questions of ``source``'s sidecar in ``corpus_dir`` (none when it has none or it
    is unreadable: examples are a convenience, never a reason to fail)."""
    path = corpus_dir / f"{source}{EXAMPLES_SUFFIX}"
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("ignoring example questions in %s: %s", path, exc)
        return []
    return [q.strip() for q in data if isinstance(q, str) and q.strip()] \
        if isinstance(data, list) else []


def example_questions(index: ArticleIndex, corpus_dir: Path,
                      limit: int = MAX_EXAMPLES) -> list[str]:
    """Examples for the indexed articles: the newest user articles' title questions first,
    then the written examples of bundled ones, at most ``limit``."""
    written: list[str] = []
    built: list[str] = []
    for source in index.sources.values():
        own = written_examples(corpus_dir, source.source)
        if own:
            written.extend(own)
            continue
        title = " ".join(source.title.split())
        if len(title) > TITLE_CHARS:
            title = title[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
        template = _ABOUT_TITLE.get(source.language, _ABOUT_TITLE["en"])
        built.append(template.format(title=title or source.source))
    return (list(reversed(built)) + written)[:limit]
