"""Answer -> chat markdown and sources/article HTML. All article text is escaped here."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from articleqa.index.article_index import ArticleIndex, SourceText
from articleqa.qa.types import Answer

CONTEXT_CHARS = 220


# Every ASCII punctuation mark Markdown (GFM, as Gradio renders it) gives a meaning to: links
# and images ([ ] ( ) !), emphasis, code, headings, lists, tables, autolinks (: . @ for
# "http://", "www." and e-mail addresses) and math ($). A backslash makes each a literal
# character; '<', '>' and '&' become HTML entities instead.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:@$=\"'])")
_CITATION_MARK = re.compile(r"\[(\d+)\]")


def escape_markdown_html(text: str) -> str:
    """Text bound for a Markdown view (chat bubble, status, article list): inert whoever wrote
    it. No HTML gets through, and no Markdown either: an article's ``![x](http://…)`` would
    make every reader's browser fetch the address (a tracking beacon) and ``[text](http://…)``
    would be a live link that looks like part of the answer. Both show as the text they are."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", html.escape(text, quote=False))


def _linked(text: str) -> str:
    """Escaped text with each [n] as a link to its source card (our own panel, never an
    address from the text)."""
    pieces = _CITATION_MARK.split(text)
    return "".join(escape_markdown_html(piece) if number % 2 == 0
                   else f"[[{piece}]](#aq-cite-{piece})" for number, piece in enumerate(pieces))


def _marked(quote_markdown: str, highlight: str) -> str:
    """The quote with the reader's best (unshown) candidate in bold, its first occurrence."""
    mark = escape_markdown_html(highlight.strip())
    if not mark or mark not in quote_markdown:
        return quote_markdown
    return quote_markdown.replace(mark, f"**{mark}**", 1)


def answer_markdown(answer: Answer, writing: str | None = None) -> str:
    """The chat bubble: the short answer (bold; or the model's text as it streams), the cited
    quote below it, then the sources with their article titles."""
    if answer.abstained:
        return _linked(answer.text)
    if writing is not None:
        head = f"**{escape_markdown_html(writing)}** ▌" if writing else "*…*"
    elif answer.short_answer is None:  # not confident of one: say so, mark the best guess
        head = f"*{escape_markdown_html(answer.text.split(chr(10))[0])}*"
    else:
        head = f"**{_linked(answer.short_answer)}**"
    lines = [head, "", _marked(_linked(answer.quote), answer.highlight)]
    if answer.citations:
        chips = " · ".join(f"[[{c.n}]](#aq-cite-{c.n}) {escape_markdown_html(c.title or c.source)}"
                           for c in answer.citations)
        lines.append(f"\n<sub>Sources: {chips}</sub>")
    if writing is None and answer.short_answer_source is not None:
        origin = {"llm": f"short answer by {answer.backend}",
                  "vote": f"short answer cut from the quote, chosen with {answer.backend}"
                  }.get(answer.short_answer_source, "short answer cut from the quote")
        if answer.model_answer_refused:
            origin += f" (the model's was not used: {answer.short_answer_check})"
        lines.append(f"<sub>{escape_markdown_html(origin)}</sub>")
    return "\n".join(lines)


def source_link(url: str) -> str:
    """An article's address as a link that opens apart from the app; only http(s) addresses
    become links, anything else is shown as escaped text (or not at all when empty)."""
    if not url:
        return ""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return f"<span class='aq-url'>{html.escape(url)}</span>"
    shown = url if len(url) <= 80 else url[:77] + "…"
    return (f"<a class='aq-url' href='{html.escape(url, quote=True)}' target='_blank' "
            f"rel='noopener noreferrer'>{html.escape(shown)}</a>")


def source_header(source: SourceText) -> str:
    """Who said it: the article's title, its address, author and date (all escaped)."""
    byline = " · ".join(html.escape(part) for part in (source.author, source.date) if part)
    parts = [f"<span class='aq-title'>{html.escape(source.title)}</span>"]
    if byline:
        parts.append(f"<span class='aq-meta'>{byline}</span>")
    if source.url:
        parts.append(source_link(source.url))
    return " ".join(parts)


def _in_context(source: SourceText, start: int, end: int) -> str:
    """The cited span highlighted inside its surrounding text."""
    text = source.text
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text), end + CONTEXT_CHARS)
    before = ("…" if left else "") + html.escape(text[left:start])
    after = html.escape(text[end:right]) + ("…" if right < len(text) else "")
    return f"{before}<mark>{html.escape(text[start:end])}</mark>{after}"


def sources_html(answer: Answer | None, sources: dict[str, SourceText]) -> str:
    """The sources panel: each citation in its context, or the closest passages."""
    if answer is None:
        return "<div class='aq-empty'>Cited passages appear here.</div>"
    cards = []
    scores = {p.id: p.score for p in answer.passages}
    for c in answer.citations:
        source = sources.get(c.source)
        if source is None:
            continue
        cards.append(
            f"<div class='aq-card' id='aq-cite-{c.n}'><div class='aq-head'><b>[{c.n}]</b> "
            f"{source_header(source)} <span class='aq-meta'>{html.escape(c.source)} · "
            f"chars {c.start}–{c.end} · score {scores.get(c.passage_id, 0):.3f}</span></div>"
            f"<div class='aq-ctx'>{_in_context(source, c.start, c.end)}</div></div>")
    if answer.abstained or not answer.citations:
        cards.append("<div class='aq-note'>Closest passages found:</div>")
        for p in answer.passages[:3]:
            source = sources.get(p.source)
            if source is not None:
                cards.append(
                    f"<div class='aq-card'><div class='aq-head'>({p.rank}) "
                    f"{source_header(source)} <span class='aq-meta'>score {p.score:.3f}"
                    f"</span></div><div class='aq-ctx'>{_in_context(source, p.start, p.end)}"
                    f"</div></div>")
    return "\n".join(cards)


def source_list_markdown(index: ArticleIndex) -> str:
    """The "Indexed articles" list of the Add articles tab."""
    rows = [f"- **{escape_markdown_html(e.title)}** ({escape_markdown_html(e.source)}, "
            f"{e.chunks} passages)" + (f" — {source_link(e.url)}" if e.url else "")
            for e in index.manifest.sources]
    return "**Indexed articles**\n\n" + "\n".join(rows)


def article_html(source: SourceText | None, spans: list[tuple[int, int]] = ()) -> str:
    """The whole article, escaped, with the cited spans highlighted in place."""
    if source is None:
        return ""
    text = source.text
    out, cursor = [], 0
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if start < cursor:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    body = "".join(out).replace("\n", "<br>")
    meta = [html.escape(source.source), source.language]
    meta += [html.escape(p) for p in (source.author, source.date) if p]
    if source.url:
        meta.append(source_link(source.url))
    return (f"<div class='aq-article'><h3>{html.escape(source.title)}</h3>"
            f"<div class='aq-meta'>{' · '.join(meta)}</div><p>{body}</p></div>")


CSS = """
.aq-card {border:1px solid #d0d7de; border-radius:8px; padding:8px 10px; margin:6px 0;}
.aq-head {font-size:0.95em; margin-bottom:4px;}
.aq-meta {color:#57606a; font-size:0.85em;}
.aq-title {font-weight:600;}
.aq-url {font-size:0.85em; word-break:break-all;}
.aq-ctx {font-size:0.92em; line-height:1.45;}
.aq-article {line-height:1.6; max-height:70vh; overflow-y:auto;}
mark {background:#fff3a3; padding:0 2px;}
"""
