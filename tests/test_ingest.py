"""Issue 13: articles from a URL, a saved page or a PDF. The article is found inside the page
(none of the page around it can be retrieved), a PDF's wrapped lines become whole sentences
that citations slice exactly, and every failure is one clear line with nothing indexed.
Pages are served by a local http.server on 127.0.0.1; nothing leaves the machine."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from articleqa.index.build import add_articles, build_index, load_index
from articleqa.index.corpus import user_articles
from articleqa.index.fetch import FetchError, fetch_article, looks_like_url
from articleqa.index.persist import CURRENT_FILE, current_version, stored_articles
from articleqa.index.readers import ArticleError, ArticleFile, Extractor, article_document
from articleqa.index.text import sentence_spans
from articleqa.settings import Settings
from tests.conftest import CORPUS, shown
from tests.news_site import (
    ARTICLE_PAGE,
    ARTICLE_PARAGRAPHS,
    ARTICLE_TITLE,
    BOILERPLATE,
    FRAGMENT_PAGE,
    HYPHENATED_LINES,
    OLD_SITE_BOILERPLATE,
    OLD_SITE_PAGE,
    OLD_SITE_SENTENCES,
    PDF_HEADER,
    PDF_PARAGRAPHS,
    PDF_TITLE,
    article_pdf,
    claims_length,
    drip,
    endless,
    nested_pdf,
    page,
    png_bytes,
    redirect,
    scanned_pdf,
    serve,
    slow,
)

PAGE_PATH = "/notizie/frana-brennero.html"
QUIET = {"progress": lambda *args, **kwargs: None}


def _redirect_chain(length: int) -> dict:
    routes = {f"/giro/{n}": redirect(f"/giro/{n + 1}") for n in range(length)}
    routes[f"/giro/{length}"] = redirect(PAGE_PATH)
    return routes


@pytest.fixture(scope="module")
def site():
    routes = {
        PAGE_PATH: page(ARTICLE_PAGE),
        "/vecchio/ponte-rosso.html": page(OLD_SITE_PAGE, "text/html"),
        "/senza-meta.html": page(OLD_SITE_PAGE.replace(b"charset=iso-8859-15", b""),
                                 "text/html; charset=ISO-8859-15"),
        "/bolzano-ciclabili.pdf": page(article_pdf("web"), "application/pdf"),
        "/foto.png": page(png_bytes(), "image/png"),
        "/enorme.html": claims_length(30_000_000),
        "/flusso.html": endless(),
        "/lenta.html": slow(2.0, ARTICLE_PAGE),
        "/breve": redirect(PAGE_PATH, 301),
        "/verso-ftp": redirect("ftp://127.0.0.1/articolo.txt"),
        "/verso-file": redirect("file:///etc/passwd"),
        **_redirect_chain(7),
    }
    with serve(routes) as base:
        yield base


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("ingest"), corpus_dir=CORPUS)


@pytest.fixture(scope="module")
def index(settings, e5):
    return build_index(settings, embed_model=e5)


def _cli(*args: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    """``articleqa`` in its own process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "articleqa", *args, "--data-dir",
                           str(settings.data_dir)], capture_output=True, text=True, timeout=300)


def _cli_here(*args: str, settings: Settings):
    """The same command in this process (no interpreter start-up): exit code, stdout, stderr."""
    from click.testing import CliRunner

    from articleqa.cli import main

    return CliRunner().invoke(main, [*args, "--data-dir", str(settings.data_dir)])


def _live_version(settings: Settings) -> str:
    return (settings.resolved_index_dir() / CURRENT_FILE).read_text()


def _sentences(text: str) -> list[str]:
    return [text[s.start:s.end] for s in sentence_spans(text)]


# ---------------------------------------------------------------- HTML: the article, not the page

def test_the_article_is_extracted_with_its_metadata_and_every_kind_of_boilerplate_dropped():
    url = "https://www.gazzettadellealpi.example/notizie/frana-brennero.html"
    document = article_document(ArticleFile("frana-brennero.html", ARTICLE_PAGE, url))
    text = document.text
    for kind, phrase in BOILERPLATE.items():
        assert phrase.casefold() not in text.casefold(), f"{kind} kept: {phrase!r}"
    sentences = _sentences(text)
    assert sentences[0] == ARTICLE_TITLE
    for paragraph in ARTICLE_PARAGRAPHS:  # each paragraph is one sentence, kept whole
        assert paragraph in sentences, paragraph
    assert document.metadata["title"] == ARTICLE_TITLE
    assert document.metadata["author"] == "Chiara Pedrotti"
    assert document.metadata["date"] == "2025-03-18"
    assert document.metadata["url"] == url
    assert document.metadata["extractor"] == Extractor.TRAFILATURA


def test_an_older_latin9_page_without_semantic_markup_loses_its_boilerplate_too():
    document = article_document(ArticleFile("ponte-rosso.html", OLD_SITE_PAGE))
    for sentence in OLD_SITE_SENTENCES:  # "sarà", "€": decoded as its <meta> charset says
        assert sentence in _sentences(document.text)
    for phrase in OLD_SITE_BOILERPLATE:  # incl. the inline "Leggi anche: <a>…</a>" paragraph
        assert phrase not in document.text, phrase
    assert document.metadata["title"] == "Trento, il ponte rosso sull'Adige apre a giugno"


def test_a_page_without_an_article_falls_back_to_its_visible_text_and_says_so(settings, index):
    index, report = add_articles(settings, [("frammento.html", FRAGMENT_PAGE)],
                                 embed_model=index.embed_model)
    assert report.added == ["frammento.html"]
    assert report.notes and "no article found" in report.notes[0]
    assert "inaugurato un ponte di legno rosso" in index.sources["frammento.html"].text
    node = next(n for n in index.nodes if n.metadata["source"] == "frammento.html")
    assert node.metadata["extractor"] == Extractor.HTML_FALLBACK


# ---------------------------------------------------------------- the CLI, over HTTP

def test_cli_indexes_a_url_and_none_of_the_page_around_the_article_can_be_found(site, settings,
                                                                               index):
    url = site + PAGE_PATH
    out = _cli("index", url, "--json", settings=settings)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["added"] == ["frana-brennero.html"]
    assert report["articles"] == [{"source": "frana-brennero.html", "title": ARTICLE_TITLE,
                                   "url": url}]
    # Lexical search finds any passage holding these words, if one exists.
    for query in ("Questo sito utilizza cookie di profilazione: Accetta tutti",
                  "Iscriviti gratis alla newsletter, casella di posta, indirizzo email",
                  "Leggi anche: valanga in Val Senales, commenti dei lettori, Partita IVA"):
        found = _cli_here("search", query, "--retrieval", "bm25", "-k", "10", "--json",
                          settings=settings)
        assert found.exit_code == 0, found.stderr
        for passage in json.loads(found.stdout):
            for kind, phrase in BOILERPLATE.items():
                assert phrase.casefold() not in passage["text"].casefold(), (kind, passage)
    found = _cli_here("search", "Quante famiglie sono state evacuate dopo la frana a Colle "
                      "Isarco?", "--json", settings=settings)
    passages = [p for p in json.loads(found.stdout) if p["source"] == "frana-brennero.html"]
    assert passages and ARTICLE_PARAGRAPHS[0] in passages[0]["text"]
    assert passages[0]["title"] == ARTICLE_TITLE and passages[0]["url"] == url
    source = load_index(settings, index.embed_model).sources["frana-brennero.html"]
    assert (source.title, source.url, source.author, source.date) == (
        ARTICLE_TITLE, url, "Chiara Pedrotti", "2025-03-18")
    for kind, phrase in BOILERPLATE.items():
        assert phrase.casefold() not in source.text.casefold(), kind


def test_a_rebuild_recovers_the_address_and_metadata_from_the_stored_files(site, settings,
                                                                           index):
    add_articles(settings, [fetch_article(site + PAGE_PATH, settings)],
                 embed_model=index.embed_model)  # a no-op when the CLI test added it
    stored = stored_articles(current_version(settings.resolved_index_dir()))
    assert "frana-brennero.html.origin.json" in stored
    rebuilt = {a.name: article_document(a) for a in user_articles(stored)}
    metadata = rebuilt["frana-brennero.html"].metadata
    assert metadata["url"] == site + PAGE_PATH and metadata["title"] == ARTICLE_TITLE
    assert metadata["author"] == "Chiara Pedrotti"
    assert not any(name.endswith(".json") for name in rebuilt)


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on exit: nothing listens there


@pytest.mark.parametrize("address,message", [
    ("{site}/manca.html", "page not found (HTTP 404); check the address"),
    ("{site}/foto.png", "the server sent image/png, not a web page"),
    ("{site}/enorme.html", "the page is 30.0 MB, over the 20 MB limit (ARTICLEQA_MAX_FILE_MB)"),
    ("ftp://127.0.0.1/articolo.txt", "unsupported address scheme 'ftp'"),
    ("file:///etc/hosts", "file:// addresses are not fetched; pass the file's path"),
    ("http://127.0.0.1:{port}/pagina.html", "refused the connection"),
])
def test_cli_refuses_what_it_cannot_fetch_in_one_line_and_adds_nothing(site, settings, index,
                                                                      address, message):
    before = _live_version(settings)
    out = _cli_here("index", address.format(site=site, port=_refused_port()), settings=settings)
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit)
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last, out.stderr
    assert _live_version(settings) == before


# ---------------------------------------------------------------- fetching, in process

def test_redirects_are_followed_within_the_limit_and_the_final_address_is_kept(site, settings):
    article = fetch_article(site + "/breve", settings)
    assert article.url == site + PAGE_PATH and article.name == "frana-brennero.html"
    assert fetch_article(site + "/giro/3", settings).url == site + PAGE_PATH  # 5 redirects


@pytest.mark.parametrize("path,message", [
    ("/giro/0", "more than 5 redirects (ARTICLEQA_FETCH_MAX_REDIRECTS)"),
    ("/verso-ftp", "redirected to ftp://127.0.0.1/articolo.txt, which is not an http(s)"),
    ("/verso-file", "a redirect could not be followed"),
])
def test_redirects_beyond_the_limit_or_to_other_schemes_are_refused(site, settings, path,
                                                                   message):
    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch_article(site + path, settings)


def test_a_page_without_a_length_is_cut_off_at_the_size_cap(site, settings):
    small = settings.model_copy(update={"max_file_mb": 0.05})
    with pytest.raises(FetchError, match=r"larger than the limit: over the 0.05 MB limit"):
        fetch_article(site + "/flusso.html", small)


def test_a_server_that_does_not_answer_in_time_is_a_timeout(site, settings):
    hasty = settings.model_copy(update={"fetch_timeout_s": 0.3})
    with pytest.raises(FetchError, match=r"no answer from 127.0.0.1:\d+ within 0.3 s"):
        fetch_article(site + "/lenta.html", hasty)


@pytest.fixture(scope="module")
def dripping_site():
    """One byte every 0.2 s: 100 bytes take 20 s, each wait far below any socket timeout."""
    with serve({f"/{part}": drip(part) for part in ("headers", "chunked", "body")}) as base:
        yield base


@pytest.mark.parametrize("part", ["headers", "chunked", "body"])
def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(dripping_site, settings, part):
    """Before: the deadline was checked only between 64 KiB reads, so a 5 s fetch took 22-61
    s (headers and chunked bodies never checked at all)."""
    import time

    hasty = settings.model_copy(update={"fetch_timeout_s": 1.5})
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"(took longer than|no answer from .* within) 1.5 s"):
        fetch_article(f"{dripping_site}/{part}", hasty)
    assert time.monotonic() - started < 2.5


def test_cli_fetch_of_a_dripping_server_ends_at_the_deadline(dripping_site, settings):
    import os
    import time

    env = dict(os.environ, ARTICLEQA_FETCH_TIMEOUT_S="2")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "articleqa", "index", f"{dripping_site}/body",
                          "--data-dir", str(settings.data_dir)], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 1 and "took longer than 2 s" in out.stderr.splitlines()[-1]
    assert time.monotonic() - started < 15  # interpreter start-up included


def test_ui_slow_urls_from_one_client_leave_the_fetch_slots_to_others(dripping_site, settings,
                                                                      index):
    """Before: four slow URLs filled the four fetch slots and a good URL from anyone else
    waited a minute."""
    import threading
    import time
    from types import SimpleNamespace

    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import FETCH_BUSY, AppState, Handlers

    hasty = settings.model_copy(update={"fetch_timeout_s": 3.0})
    handlers = Handlers(AppState(Answerer(load_index(hasty, index.embed_model), hasty), hasty))

    def from_address(host: str):
        return SimpleNamespace(client=SimpleNamespace(host=host))

    results: dict[str, str] = {}

    def fetch(name: str, url: str, host: str) -> None:
        results[name] = handlers.add_urls(url, from_address(host), **QUIET)[0]
        results[name + " done"] = f"{time.monotonic() - started:.1f}"

    started = time.monotonic()
    slow = [threading.Thread(target=fetch, args=(f"slow{n}", f"{dripping_site}/body",
                                                 "10.0.0.66")) for n in range(4)]
    for thread in slow:
        thread.start()
    time.sleep(0.3)
    good = page(ARTICLE_PAGE.replace(b"quattordici famiglie", b"diciassette famiglie"))
    with serve({"/frana-bis.html": good}) as other_site:
        fetch("good", other_site + "/frana-bis.html", "10.0.0.7")
    good_took = time.monotonic() - started
    for thread in slow:
        thread.join(timeout=30)
    assert shown(results["good"]).startswith("✅ added **frana-bis.html**"), results["good"]
    assert good_took < 10
    refused = [results[f"slow{n}"] for n in range(4)].count(FETCH_BUSY)
    assert refused == 3, results
    assert any("took longer than 3 s" in shown(results[f"slow{n}"]) for n in range(4))


def test_an_unknown_host_is_named(settings, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(FetchError, match="host quotidiano.invalid not found; check the address"):
        fetch_article("https://quotidiano.invalid/notizia.html", settings)


def test_a_charset_given_only_by_the_http_header_is_kept_on_every_rebuild(site, settings):
    article = fetch_article(site + "/senza-meta.html", settings)
    assert "4,2 milioni di €".encode() in article.data  # stored as UTF-8
    assert OLD_SITE_SENTENCES[1] in article_document(article).text


def test_a_pdf_url_is_fetched_as_a_pdf(site, settings):
    article = fetch_article(site + "/bolzano-ciclabili.pdf", settings)
    assert article.name == "bolzano-ciclabili.pdf" and article.data.startswith(b"%PDF-")
    assert article_document(article).metadata["title"] == PDF_TITLE


@pytest.mark.parametrize("text,is_url", [
    ("https://example.org/a.html", True), ("ftp://host/x", True), ("file:///tmp/x", True),
    ("articolo.html", False), ("/tmp/dir/articolo.pdf", False), ("C:\\notizie\\a.txt", False),
])
def test_urls_and_paths_are_told_apart(text, is_url):
    assert looks_like_url(text) is is_url


# ---------------------------------------------------------------- PDF

def test_pdf_lines_become_whole_sentences_and_page_furniture_is_dropped():
    from pypdf import PdfReader

    data = article_pdf()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    raw = "\n".join(pages)
    # What the PDF holds: two pages, each with the header and its page number, wrapped and
    # hyphenated lines, and a paragraph that runs over the page break.
    assert raw.count(PDF_HEADER) == 2 and "Pagina 2 di 2" in raw
    assert "la sta-\nzione" in raw and "del Bren-\nnero." in raw
    assert "Le associazioni dei commercianti" in pages[0] and "entro aprile." in pages[1]
    document = article_document(ArticleFile("ciclabili.pdf", data))
    text = document.text
    sentences = _sentences(text)
    for paragraph in PDF_PARAGRAPHS:
        for sentence in _sentences(paragraph):  # every sentence of the PDF, whole, once
            assert sentence in sentences, sentence
    assert PDF_PARAGRAPHS[0] in sentences  # three wrapped lines, one sentence
    assert "la stazione ferroviaria" in text and "ferrovia del Brennero." in text
    assert " ".join(HYPHENATED_LINES).replace("- ", "") in text
    assert PDF_HEADER not in text and "Pagina" not in text
    assert not any(line.strip().isdigit() for line in text.splitlines())
    assert "mobilità" in text and "«È una scelta" in text and "dell’anno" in text
    assert document.metadata["title"] == PDF_TITLE
    assert document.metadata["extractor"] == Extractor.PDF


def test_cli_indexes_a_pdf_and_its_citations_slice_exactly(settings, index, tmp_path):
    from articleqa.qa.answerer import Answerer

    pdf = tmp_path / "ciclabili.pdf"
    pdf.write_bytes(article_pdf("cli"))
    out = _cli("index", str(pdf), "--json", settings=settings)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["articles"][0]["title"] == PDF_TITLE
    loaded = load_index(settings, index.embed_model)
    answer = Answerer(loaded, settings).answer(
        "Di quanti chilometri sarà la rete delle piste ciclabili di Bolzano nel 2028?")
    assert not answer.abstained and answer.citations
    for citation in answer.citations:
        assert loaded.sources[citation.source].text[citation.start:citation.end] == \
            citation.text
    assert any(c.source == "ciclabili.pdf" and PDF_PARAGRAPHS[0] in c.text
               for c in answer.citations), answer.citations


@pytest.mark.parametrize("data,message", [
    (scanned_pdf(), r"no text layer \(a scanned image\?\); run OCR on it first"),
    (article_pdf()[:400], "not a readable PDF"),
])
def test_an_unreadable_pdf_is_refused_with_the_reason(settings, index, data, message):
    with pytest.raises(ArticleError, match=message):
        article_document(ArticleFile("scansione.pdf", data))
    before = _live_version(settings)
    _, report = add_articles(settings, [("scansione.pdf", data)], embed_model=index.embed_model)
    assert not report.added and len(report.errors) == 1 and "scansione.pdf" in report.errors[0]
    assert _live_version(settings) == before


GOOD = b"Notizia. A Merano il mercatino di Natale ha aperto con duecento bancarelle."


def test_one_bad_file_in_a_cli_batch_is_named_and_the_others_are_added(settings, index,
                                                                       tmp_path):
    """Before: the nested PDF raised RecursionError (a 3,000-line traceback) and the good file
    beside it was not added; a missing path stopped the whole batch."""
    bad = tmp_path / "annidato.pdf"
    bad.write_bytes(nested_pdf())
    good = tmp_path / "mercatino.txt"
    good.write_bytes(GOOD)
    out = _cli("index", str(bad), str(good), str(tmp_path / "manca.txt"), "--json",
               settings=settings)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["added"] == ["mercatino.txt"]
    assert [e.split(":")[0] for e in report["errors"]] == [str(tmp_path / "manca.txt"),
                                                            "annidato.pdf"]
    assert "nests its objects too deeply" in report["errors"][1]
    only_bad = _cli("index", str(bad), settings=settings)
    assert only_bad.returncode == 1 and "Traceback" not in only_bad.stderr
    assert "annidato.pdf" in only_bad.stderr and len(only_bad.stderr) < 2000


def test_one_bad_file_in_an_upload_is_named_and_the_others_are_added(settings, index,
                                                                     tmp_path, monkeypatch):
    """The UI said "Could not index the files; see the server log" and added none. Any
    parser failure (here a made-up one in the HTML extractor) is the one file's."""
    from articleqa.index import readers
    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import AppState, Handlers

    def broken_extractor(html: str, url: str):
        raise LookupError("unexpected parser state")

    monkeypatch.setattr(readers, "extract_article", broken_extractor)
    files = {"annidato.pdf": nested_pdf(), "pagina.html": b"<p>Il sindaco ha parlato.</p>",
             "mercatino-ui.txt": GOOD.replace(b"Merano", b"Bressanone")}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    handlers = Handlers(AppState(Answerer(load_index(settings, index.embed_model), settings),
                                 settings))
    status, *_ = handlers.upload([str(tmp_path / name) for name in files], **QUIET)
    status = shown(status)
    assert "added **mercatino-ui.txt**" in status and "server log" not in status
    assert "annidato.pdf: the PDF nests its objects too deeply" in status
    assert "pagina.html: could not be read (LookupError: unexpected parser state)" in status
    assert "mercatino-ui.txt" in handlers.state.index.sources


JAPANESE_SLUG = ("東京都心で初雪観測平年より十日早く気象庁によると今朝の気温は"
                 "零度を下回り各地で路面の凍結に注意が必要だと呼びかけている交"
                 "通機関にも遅れが出ており一部区間で運転を見合わせてい")  # 86 characters
CJK_NAME = "北京" * 41 + "报"  # 83 characters, 249 bytes of UTF-8


def _long_names(tmp_path, site: str) -> tuple[str, list[str]]:
    """A URL whose slug is 86 Japanese characters, and two different files both named with 83
    CJK characters (the second one is stored under a longer, unique name)."""
    assert len(JAPANESE_SLUG) == 86 and len(CJK_NAME.encode()) == 249
    files = []
    for number in (1, 2):
        folder = tmp_path / f"cjk{number}"
        folder.mkdir()
        (folder / f"{CJK_NAME}.txt").write_bytes(
            f"Notizia. A Bolzano la fiera numero {number} ha aperto con cento stand.".encode())
        files.append(str(folder / f"{CJK_NAME}.txt"))
    return f"{site}/{JAPANESE_SLUG}.html", files


def test_a_long_name_keeps_room_for_every_suffix_in_255_bytes():
    from articleqa.index.corpus import safe_file_name, unique_source_name

    name = safe_file_name(f"{CJK_NAME}.txt")
    longest = unique_source_name(name, "f" * 64, {name, f"{name[:-4]}-ffffffff.txt"})
    assert name.endswith(".txt") and len((longest + ".origin.json").encode()) <= 255


@pytest.fixture
def long_name_site():
    with serve({f"/{quote(JAPANESE_SLUG)}.html": page(ARTICLE_PAGE.replace(
            b"quattordici famiglie", b"quindici famiglie"))}) as base:
        yield base


def test_names_are_limited_in_bytes_not_characters_cli(settings, index, tmp_path,
                                                       long_name_site):
    """Before: the names were cut at 100 characters, so 86 Japanese characters (258 bytes) or
    an 83-character CJK name with its -<sha8> suffix failed with "File name too long" and the
    internal temp path."""
    url, files = _long_names(tmp_path, long_name_site)
    out = _cli("index", url, *files, "--json", settings=settings)
    assert out.returncode == 0 and "too long" not in out.stderr, out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert len(report["added"]) == 3 and not report["errors"]
    assert all(len(name.encode()) + len(".origin.json") <= 255 for name in report["added"])
    assert report["added"][0].startswith("東京都心で初雪") and report["added"][0].endswith(".html")


def test_names_are_limited_in_bytes_not_characters_ui(settings, index, tmp_path,
                                                      long_name_site):
    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import AppState, Handlers

    url, files = _long_names(tmp_path, long_name_site)
    url = url.replace(".html", "-ui.html")  # another address: not a duplicate of the CLI's
    handlers = Handlers(AppState(Answerer(load_index(settings, index.embed_model), settings),
                                 settings))
    with serve({f"/{quote(JAPANESE_SLUG)}-ui.html": page(ARTICLE_PAGE.replace(
            b"quattordici famiglie", b"sedici famiglie"))}) as other:
        status, *_ = handlers.add_urls(url.replace(long_name_site, other), **QUIET)
    for number, path in enumerate(files):
        Path(path).write_bytes(f"Notizia. A Trento la mostra {number} ha aperto.".encode())
    upload_status, *_ = handlers.upload(files, **QUIET)
    assert "too long" not in status + upload_status, status + upload_status
    assert shown(status).startswith("✅ added") and shown(upload_status).count("✅ added") == 2


# ---------------------------------------------------------------- the UI

def test_ui_adds_a_url_and_a_pdf_and_shows_each_source_by_title_and_address(site, settings,
                                                                            index, tmp_path):
    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import AppState, Handlers
    from articleqa.ui.render import sources_html

    state = AppState(Answerer(load_index(settings, index.embed_model), settings), settings)
    handlers = Handlers(state)
    url = site + "/vecchio/ponte-rosso.html"
    status, articles, _, box = handlers.add_urls(f"{url}\n{site}/manca.html", **QUIET)
    status, articles = shown(status), shown(articles)
    assert "added **ponte-rosso.html** — Trento, il ponte rosso" in status
    assert f"({url})" in status and "page not found (HTTP 404)" in status
    assert "ponte-rosso.html" in articles and box == ""
    status, *_ = handlers.add_urls("ftp://127.0.0.1/x", **QUIET)
    status = shown(status)
    assert "unsupported address scheme 'ftp'" in status
    pdf = tmp_path / "ciclabili-ui.pdf"
    pdf.write_bytes(article_pdf("ui"))
    status, *_ = handlers.upload([str(pdf)], **QUIET)
    status = shown(status)
    assert f"added **ciclabili-ui.pdf** — {PDF_TITLE}" in status
    answer = state.answerer.answer("Quanto è costato il ponte ciclopedonale sull'Adige a Trento?")
    assert answer.citations and answer.citations[0].source == "ponte-rosso.html"
    cards = sources_html(answer, state.index.sources)
    assert "Trento, il ponte rosso sull&#x27;Adige apre a giugno" in cards
    assert f"<a class='aq-url' href='{url}' target='_blank' rel='noopener noreferrer'>" in cards


def test_only_http_addresses_become_links():
    from articleqa.index.article_index import SourceText
    from articleqa.ui.render import source_header, source_link

    assert "<a" not in source_link("javascript:alert(1)")
    header = source_header(SourceText("x.html", "<b>Titolo</b>", "it", "testo",
                                      "https://a.example/?q=1&x='\"><script>", "Anna", "2025"))
    assert "<b>" not in header and "<script>" not in header
    assert "href='https://a.example/?q=1&amp;x=&#x27;&quot;&gt;&lt;script&gt;'" in header
