"""Turns article files (.txt, .md, .html) into llama-index Documents, refusing bad input clearly."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from llama_index.core import Document

from articleqa.errors import UserError
from articleqa.index.cleaning import clean_article_text
from articleqa.index.text import detect_language

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm")


class ArticleError(UserError, ValueError):
    """A file that cannot be read as an article; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ArticleFile:
    """An article's raw bytes with the name it is known by."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_size(name: str, size: int, max_bytes: int) -> None:
    """The one size rule for article files, whatever their way in (CLI, UI, API)."""
    if size > max_bytes:
        raise ArticleError(
            f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:g} MB limit "
            "(ARTICLEQA_MAX_FILE_MB)")


def read_article_file(path: Path, max_bytes: int) -> ArticleFile:
    """Read ``path`` after checking its type and size."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ArticleError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; "
            f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.is_file():
        raise ArticleError(f"{path}: no such file")
    check_size(path.name, path.stat().st_size, max_bytes)
    return ArticleFile(name=path.name, data=path.read_bytes())


def decode_text(article: ArticleFile) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/Latin-1; binary data is refused."""
    data = article.data
    if not data.strip():
        raise ArticleError(f"{article.name}: the file is empty")
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
        raise ArticleError(f"{article.name}: this is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_binary(head: bytes) -> bool:
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    return controls > max(4, len(head) // 100)


class _HTMLText(HTMLParser):
    """Collects visible text; <script>, <style> and similar never become article text."""

    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
              "blockquote", "figcaption", "tr", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """Return (title, visible text) of an HTML page."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return html.unescape(parser.title).strip(), text


def article_document(article: ArticleFile) -> Document:
    """Decode, clean and wrap one article; metadata: source, title, language, sha256."""
    text = decode_text(article)
    title = ""
    if Path(article.name).suffix.lower() in (".html", ".htm"):
        title, text = html_to_text(text)
    text = clean_article_text(text)
    if not any(ch.isalnum() for ch in text):
        raise ArticleError(f"{article.name}: no readable text in the file")
    first_line = text.split("\n", 1)[0].strip().lstrip("#").strip()
    title = title or first_line[:200]
    return Document(
        text=text,
        id_=f"{article.name}#{article.sha256[:12]}",
        metadata={
            "source": article.name,
            "title": title,
            "language": detect_language(text[:5000]),
            "sha256": article.sha256,
        },
        excluded_embed_metadata_keys=["source", "title", "language", "sha256"],
        excluded_llm_metadata_keys=["source", "title", "language", "sha256"],
    )
