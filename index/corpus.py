"""Where articles come from: the bundled corpus dir, and the names user files are stored under.

A user's article is kept in the index as its original bytes under its source name
(``articles/page.html``), so a rebuild reads it again exactly as the first time. What the
bytes cannot tell is where they came from: an article fetched from the web also gets an
origin file beside it, ``articles/page.html.origin.json`` = ``{"url": "https://…"}``. It is a
sidecar rather than a tag written into the page because it works the same for PDFs, keeps the
stored bytes the fetched ones, and cannot be confused with an article (``.json`` is not an
article type). It is published, checksummed and hard-linked with the article, like any file
of the version.
"""

from __future__ import annotations

import json
import os
import re
from itertools import chain, count
from pathlib import Path

from articleqa.index.article_index import IndexMissingError
from articleqa.index.readers import SUPPORTED_SUFFIXES, ArticleFile, read_article_file


def bundled_files(corpus_dir: Path) -> list[Path]:
    """The article files of the bundled corpus dir, in a stable order."""
    if not corpus_dir.is_dir():
        return []
    return sorted(p for p in corpus_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def read_bundled(corpus_dir: Path, max_bytes: int) -> list[ArticleFile]:
    return [read_article_file(p, max_bytes) for p in bundled_files(corpus_dir)]


def bundled_digest(corpus_dir: Path, max_bytes: int) -> dict[str, str]:
    """{file name: sha256} of the bundled corpus (what staleness is checked against)."""
    return {a.name: a.sha256 for a in read_bundled(corpus_dir, max_bytes)}


def require_articles(articles: list[ArticleFile], corpus_dir: Path) -> list[ArticleFile]:
    if not articles:
        raise IndexMissingError(f"no articles found in {corpus_dir} and none added; add one "
                                "with `articleqa index FILE`")
    return articles


ORIGIN_SUFFIX = ".origin.json"


def stored_files(article: ArticleFile) -> dict[str, bytes]:
    """The files that keep ``article`` inside an index version: its bytes and, for a fetched
    one, its origin sidecar."""
    files = {article.name: article.data}
    if article.url:
        files[article.name + ORIGIN_SUFFIX] = json.dumps({"url": article.url}).encode()
    return files


def user_articles(stored: dict[str, Path]) -> list[ArticleFile]:
    """The user's articles from the files of a version's ``articles/`` folder. An origin
    sidecar that cannot be parsed leaves its article without an address rather than losing it
    (``persist.recover_articles`` reports a damaged one)."""
    articles = []
    for name, path in stored.items():
        if name.endswith(ORIGIN_SUFFIX):
            continue
        articles.append(ArticleFile(name, path.read_bytes(), _origin_url(stored.get(
            name + ORIGIN_SUFFIX))))
    return articles


def _origin_url(origin: Path | None) -> str:
    if origin is None:
        return ""
    try:
        url = json.loads(origin.read_text(encoding="utf-8")).get("url", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return url if isinstance(url, str) else ""


# File systems limit a name to 255 bytes, not characters: 83 CJK characters are 249 bytes.
# A stored name may grow by "-<sha8>-<n>" (unique_source_name) and ".origin.json" (the sidecar),
# so the stem keeps at most this many bytes of UTF-8.
MAX_STEM_BYTES = 150
MAX_STEM_CHARS = 100


def safe_file_name(name: str) -> str:
    """A bare, harmless file name: no directories, no leading dots, no odd characters, and
    short enough in bytes to be stored with any suffix this project adds."""
    base = Path(name.replace("\\", "/")).name
    stem, suffix = os.path.splitext(base)
    if len(suffix.encode("utf-8")) > 10:  # not a file type: part of the name
        stem, suffix = base, ""
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._") or "article"
    stem = stem[:MAX_STEM_CHARS].encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore")
    return f"{stem.rstrip(' ._') or 'article'}{suffix.lower()}"


def unique_source_name(name: str, sha256: str, taken: set[str]) -> str:
    """``name`` when it is free, else ``stem-<sha8>.ext``, else ``stem-<sha8>-2.ext``, -3 …:
    never a name in ``taken``, whatever names were chosen before (a file may itself be called
    ``stem-<sha8>.ext``), so two articles never share a source name."""
    path = Path(name)
    candidates = chain([name, f"{path.stem}-{sha256[:8]}{path.suffix}"],
                       (f"{path.stem}-{sha256[:8]}-{n}{path.suffix}" for n in count(2)))
    return next(c for c in candidates if c not in taken)
