"""The article inside a news page: main text, title, author and date, without the page around it.

A real news page is mostly not the article: menus, a cookie banner, share buttons, newsletter
boxes, "Leggi anche" lists, comments, a footer, scripts. Indexed as they are, they get
retrieved and cited. trafilatura (the standard extractor for news pages) finds the article
and its metadata; measured on our fixture pages it dropped all of the above, but it keeps a
related-link paragraph written inline in the body ("Leggi anche: <a>…</a>"), so such lines are
dropped here too.

When trafilatura finds no article (a fragment, a page that is nothing but a list), the plain
HTML parser below keeps every visible text node, minus scripts and styles; the result says so
(``PageArticle.fallback``) and the caller tells the user.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from articleqa.index.text import clip_title
from articleqa.lang import alternation_for

# A paragraph that only points at other articles: "Leggi anche: …", "Potrebbe interessarti …".
_RELATED_LINK_LINE = re.compile(rf"^\s*{alternation_for('related_links')}", re.I)


@dataclass(frozen=True, slots=True)
class PageArticle:
    """The article found in a page; empty strings for what the page does not say.
    ``fallback``: trafilatura found no article, so ``text`` is all the page's visible text."""

    text: str
    title: str
    author: str
    date: str
    fallback: bool = False


def extract_article(markup: str, url: str = "") -> PageArticle:
    """The article of an HTML page (trafilatura), or all its visible text when none is found."""
    found = _trafilatura(markup, url)
    if found is not None:
        return found
    title, text = html_to_text(markup)
    return PageArticle(_without_related_links(text), clip_title(title), "", "", fallback=True)


def _trafilatura(markup: str, url: str) -> PageArticle | None:
    import trafilatura  # here, not at the top: 0.3 s off every command that reads no page

    raw = trafilatura.extract(markup, url=url or None, with_metadata=True,
                              output_format="json", include_comments=False,
                              include_images=False, include_links=False)
    if not raw:
        return None
    data = json.loads(raw)
    text = _without_related_links(data.get("text") or "")
    if not any(ch.isalnum() for ch in text):
        return None
    title = clip_title(data.get("title") or "")
    # trafilatura leaves the headline out of the body when it sits apart from it (the usual
    # <h1> above the article's text): put it back as the first line, so it is searchable.
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n\n{text}"
    return PageArticle(text, title, (data.get("author") or "").strip(),
                       (data.get("date") or "").strip())


def _without_related_links(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _RELATED_LINK_LINE.match(line))


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
    """Return (title, visible text) of an HTML page: the fallback when no article is found."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return html.unescape(parser.title).strip(), text
