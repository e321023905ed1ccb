"""Turns article files (.txt, .md, .html, .pdf) into llama-index Documents, refusing bad input
clearly. HTML goes through the article extractor (``html_extract``), PDF through ``pdf``."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from llama_index.core import Document

from articleqa.errors import UserError
from articleqa.index.cleaning import clean_article_text
from articleqa.index.html_extract import extract_article
from articleqa.index.pdf import PdfTextError, pdf_text
from articleqa.index.text import clip_title, detect_language

HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIX = ".pdf"
SUPPORTED_SUFFIXES = (".txt", ".md", *HTML_SUFFIXES, PDF_SUFFIX)


class ArticleError(UserError, ValueError):
    """A file that cannot be read as an article; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ArticleFile:
    """An article's raw bytes with the name it is known by, and the web address it was
    fetched from ('' for a file)."""

    name: str
    data: bytes
    url: str = ""

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


def decode_text(article: ArticleFile, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), else the ``declared`` encoding, else Windows-1252/Latin-1;
    binary data is refused. Valid UTF-8 wins over a declaration: pages that declare
    ISO-8859-1 but are UTF-8 are more common than the reverse."""
    data = article.data
    if not data.strip():
        raise ArticleError(f"{article.name}: the file is empty")
    utf16 = _utf16_encoding(data)
    if utf16:
        try:
            text = data.decode(utf16).lstrip("\ufeff")
        except UnicodeDecodeError:
            text = ""
        if text.strip() and not _looks_binary(text[:4096].encode("utf-8", "replace")):
            return text
    if b"\x00" in data[:8192] or _looks_binary(data[:8192]):
        raise ArticleError(f"{article.name}: this is a binary file, not text")
    for encoding in ("utf-8-sig", declared, "cp1252"):
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    return data.decode("latin-1")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def decode_html(article: ArticleFile) -> str:
    """An HTML file's text, honouring the charset its <meta> declares."""
    match = _META_CHARSET.search(article.data[:4096])
    declared = None
    if match:
        try:
            declared = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            declared = None
    return decode_text(article, declared)


def _utf16_encoding(data: bytes) -> str | None:
    """UTF-16 (what Windows Notepad saves as "Unicode"): by its BOM, or by NUL bytes in every
    other position of mostly-ASCII text."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 8:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _looks_binary(head: bytes) -> bool:
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    return controls > max(4, len(head) // 100)


class Extractor(StrEnum):
    """Which reader produced an article's text (kept in its metadata as ``extractor``)."""

    TEXT = "text"  # a .txt / .md file, as written
    TRAFILATURA = "trafilatura"  # the article found inside an HTML page
    HTML_FALLBACK = "html-fallback"  # no article found: every visible text of the page
    PDF = "pdf"  # the text layer of a PDF, lines joined back into paragraphs


# Metadata that describes an article but is not its text: never embedded, never in prompts.
_DESCRIPTIVE_KEYS = ["source", "title", "language", "sha256", "url", "author", "date",
                     "extractor"]


def article_document(article: ArticleFile, max_pdf_pages: int | None = None) -> Document:
    """Read, clean and wrap one article. Metadata: source, title, language, sha256,
    extractor, and url / author / date when known (``SourceText`` carries them to citations).

    Everything here is derived from the stored bytes, the name and the URL, so a rebuild
    gives the same document. Any failure is an ArticleError naming the file: the parsers
    behind it (pypdf, lxml, trafilatura) raise whatever a hostile file provokes, and one bad
    file of a batch must cost only itself. ``max_pdf_pages``: a longer PDF is refused before
    its pages are read (new articles only: a stored one was accepted already)."""
    try:
        return _article_document(article, max_pdf_pages)
    except ArticleError:
        raise
    except Exception as exc:  # see the docstring: any parser error is this file's problem
        detail = " ".join(str(exc).split())[:200]
        raise ArticleError(f"{article.name}: could not be read ({type(exc).__name__}"
                           f"{': ' + detail if detail else ''}); the file may be damaged"
                           ) from exc


def _article_document(article: ArticleFile, max_pdf_pages: int | None) -> Document:
    suffix = Path(article.name).suffix.lower()
    author = date = ""
    if suffix == PDF_SUFFIX:
        try:
            found = pdf_text(article.data, max_pdf_pages)
        except PdfTextError as exc:
            raise ArticleError(f"{article.name}: {exc}") from exc
        title, text, extractor = found.title, found.text, Extractor.PDF
    elif suffix in HTML_SUFFIXES:
        page = extract_article(decode_html(article), article.url)
        title, text, author, date = page.title, page.text, page.author, page.date
        extractor = Extractor.HTML_FALLBACK if page.fallback else Extractor.TRAFILATURA
    else:
        title, text, extractor = "", decode_text(article), Extractor.TEXT
    text = clean_article_text(text)
    if not any(ch.isalnum() for ch in text):
        raise ArticleError(f"{article.name}: no readable text in the file")
    first_line = text.split("\n", 1)[0].strip().lstrip("#").strip()
    metadata = {"source": article.name, "title": clip_title(title or first_line),
                "language": detect_language(text[:5000]), "sha256": article.sha256,
                "extractor": str(extractor)}
    metadata.update({k: v for k, v in (("url", article.url), ("author", author),
                                       ("date", date)) if v})
    return Document(
        text=text,
        id_=f"{article.name}#{article.sha256[:12]}",
        metadata=metadata,
        excluded_embed_metadata_keys=list(_DESCRIPTIVE_KEYS),
        excluded_llm_metadata_keys=list(_DESCRIPTIVE_KEYS),
    )
