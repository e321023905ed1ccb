"""The web UI for real: the client API, and a headless Chromium typing questions."""

from __future__ import annotations

import socket

import pytest

from articleqa.settings import Settings
from tests.conftest import CORPUS

HEALEY_CHAIR = "Healey ha presieduto oggi la riunione di un’altra formazione"
DMITRIEV = "Witkoff ha incontrato a San Pietroburgo Kirill Dmitriev"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory, e5):
    from articleqa.index.build import build_index
    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import AppState, launch

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui-data"),
                        corpus_dir=CORPUS, port=_free_port())
    index = build_index(settings, embed_model=e5)
    state = AppState(Answerer(index, settings), settings)
    demo = launch(state, settings, prevent_thread_lock=True)
    yield f"http://127.0.0.1:{settings.port}/", state
    demo.close()


@pytest.fixture(scope="module")
def client(ui_server):
    from gradio_client import Client

    return Client(ui_server[0], verbose=False)


@pytest.mark.parametrize("question,name,evidence", [
    ("Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?", "Healey",
     HEALEY_CHAIR),
    ("Who did Witkoff meet in St Petersburg?", "Dmitriev", DMITRIEV),
])
def test_client_api_answers_with_the_cited_passage(client, ui_server, question, name, evidence):
    result = client.predict(question, api_name="/ask")
    assert isinstance(result, dict) and result["abstained"] is False
    assert name in result["answer"]
    assert any(evidence in c["text"] for c in result["citations"])
    text = ui_server[1].index.sources[result["citations"][0]["source"]].text
    for c in result["citations"]:
        assert text[c["start"]:c["end"]] == c["text"]
    assert {"rank", "text", "score", "source"} <= set(result["retrieved"][0])


def test_client_api_reports_an_empty_question_as_an_error(client):
    result = client.predict("   ", api_name="/ask")
    assert result["error"] == "the question is empty"


@pytest.mark.parametrize("bad,error", [
    (12345, "the question must be a string"), (["Chi?"], "the question must be a string"),
    (True, "the question must be a string"),
])
def test_client_api_takes_only_text_questions(client, bad, error):
    result = client.predict(bad, api_name="/ask")
    assert result["error"] == error and "answer" not in result


def test_client_api_options_are_typed_and_checked(client):
    result = client.predict("Chi ha incontrato Witkoff a San Pietroburgo?", "extractive",
                            "bm25", 3, api_name="/ask")
    assert result["mode"] == "extractive" and len(result["retrieved"]) == 3
    assert "Dmitriev" in result["quote"]
    assert client.predict("Chi?", "psychic", api_name="/ask")["error"].startswith(
        "mode must be one of")


def test_client_api_abstains_on_an_unanswerable_question(client):
    result = client.predict("Qual è la ricetta della carbonara?", api_name="/ask")
    assert result["abstained"] is True and result["answer"].startswith("L'articolo non lo dice")
    assert result["retrieved"], "closest passages are returned"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        except Exception as exc:  # skipping is not passing: fail with the reason
            pytest.fail(f"headless Chromium could not start: {exc}")
        yield chromium
        chromium.close()


def _ask_in_page(page, question: str) -> None:
    box = page.locator("#aq-question textarea")
    box.fill(question)
    box.press("Enter")


def test_browser_question_shows_answer_citation_and_highlighted_source(browser, ui_server,
                                                                      tmp_path):
    page = browser.new_page(viewport={"width": 1300, "height": 950})
    page.goto(ui_server[0])
    _ask_in_page(page, "Who did Witkoff meet in St Petersburg?")
    page.wait_for_selector("#aq-sources mark", timeout=60_000)
    chat = page.locator("#aq-chat").inner_text()
    assert "Dmitriev" in chat and "[1]" in chat
    assert DMITRIEV in page.locator("#aq-sources mark").first.inner_text()
    assert page.locator("#aq-chat a[href='#aq-cite-1']").count() >= 1
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000
    # A second browser session has its own, empty conversation.
    other = browser.new_context().new_page()
    other.goto(ui_server[0])
    other.wait_for_selector("#aq-question textarea")
    assert "Witkoff" not in other.locator("#aq-chat").inner_text()


def test_browser_upload_makes_a_new_article_answerable_and_never_runs_its_script(
        browser, ui_server, client, tmp_path):
    article = tmp_path / "ponte.txt"
    article.write_text(
        "Nuovo ponte a Trento\nIl sindaco di Trento ha inaugurato un ponte di legno rosso sul "
        "fiume Adige. <script>window.__aqxss = 1</script><img src=x onerror='window.__aqxss=2'> "
        "La cerimonia è durata due ore.", encoding="utf-8")
    page = _upload_in_browser(browser, ui_server[0], article, "added ponte.txt", 60_000)
    result = client.predict("Chi ha inaugurato il ponte di legno sul fiume Adige?",
                            api_name="/ask")
    assert "sindaco di Trento" in result["answer"]
    assert result["citations"][0]["source"] == "ponte.txt"
    page.get_by_role("tab", name="Chat").click()
    _ask_in_page(page, "Chi ha inaugurato il ponte di legno sul fiume Adige?")
    page.wait_for_function("document.querySelector('#aq-chat').innerText.includes('Trento')",
                           timeout=60_000)
    page.get_by_role("tab", name="Article", exact=True).click()
    page.wait_for_function("document.body.innerText.includes('<script>')", timeout=30_000)
    assert page.evaluate("window.__aqxss") is None


def test_browser_fetches_a_url_given_in_the_add_articles_tab(browser, ui_server, client):
    from tests.news_site import ARTICLE_PAGE, ARTICLE_TITLE, page, serve

    with serve({"/notizie/frana.html": page(ARTICLE_PAGE)}) as site:
        view = browser.new_page()
        view.goto(ui_server[0])
        view.get_by_role("tab", name="Add articles").click()
        view.locator("#aq-url textarea, #aq-url input").first.fill(site + "/notizie/frana.html")
        view.locator("#aq-fetch").click()
        view.wait_for_function("document.body.innerText.includes('added frana.html')",
                               timeout=60_000)
    assert ARTICLE_TITLE in view.locator("body").inner_text()
    result = client.predict("Quante famiglie sono state evacuate a Colle Isarco?",
                            api_name="/ask")
    assert result["citations"] and result["citations"][0]["source"] == "frana.html"
    assert "quattordici famiglie" in result["citations"][0]["text"]


def test_browser_shows_links_and_images_from_articles_and_questions_as_text(browser, ui_server):
    """Before: only HTML was escaped, so the quoted bubble rendered an article's Markdown
    image (the browser fetched it: a tracking beacon) and a live link that looked like part of
    the citation; the user's own question rendered images too."""
    from tests.news_site import page as route
    from tests.news_site import png_bytes, serve

    fetched: list[str] = []

    def tracked(body: bytes, content_type: str):
        send = route(body, content_type)

        def record(handler) -> None:
            fetched.append(handler.path)
            send(handler)
        return record

    with serve({"/track.png": tracked(png_bytes(), "image/png"),
                "/q.png": tracked(png_bytes(), "image/png"),
                "/phish": tracked(b"<p>login</p>", "text/html")}) as site:
        report = ui_server[1].add_files([("piscina.txt", (
            "Nuova piscina a Cles\nLa piscina comunale di Cles ha una vasca "
            f"![pixel]({site}/track.png) lunga cinquanta metri, [maggiori informazioni]"
            f"({site}/phish) sul sito del comune.").encode())])
        assert report.added == ["piscina.txt"]
        page = browser.new_page()
        page.goto(ui_server[0])
        _ask_in_page(page, f"Quanto è lunga la vasca della piscina di Cles? ![q]({site}/q.png)")
        page.wait_for_function("document.querySelector('#aq-chat').innerText.includes("
                               "'maggiori informazioni')", timeout=60_000)
        page.wait_for_timeout(1000)  # time for any image the page would load
        chat = page.locator("#aq-chat")
        text = chat.inner_text()
        assert f"![pixel]({site}/track.png)" in text and f"({site}/phish)" in text
        assert f"![q]({site}/q.png)" in text
        assert chat.locator(f"img[src^='{site}']").count() == 0
        assert chat.locator(f"a[href^='{site}']").count() == 0
        assert chat.locator("a[href='#aq-cite-1']").count() >= 1, "citations still link"
    assert fetched == []


def test_answer_markdown_escapes_markdown_but_keeps_citation_links():
    from articleqa.ui.render import _linked, escape_markdown_html
    from tests.conftest import shown

    text = "Vasca ![p](http://x/t.png) [info](http://x/phish) www.x.it **forte** [2]"
    escaped = _linked(text)
    assert "](http" not in escaped and "**" not in escaped and "www." not in escaped
    assert escaped.endswith("[[2]](#aq-cite-2)")
    assert shown(escape_markdown_html(text)) == text


def test_browser_upload_limit_reads_as_the_documented_20_mb(browser, ui_server, tmp_path):
    """Before: the upload box printed its limit in binary units, "19.1 Mb" beside the README's
    (and our messages') 20 MB."""
    big = tmp_path / "enorme.txt"
    big.write_bytes(b"parola " * 3_100_000)  # 21.7 MB: over both limits
    page = _upload_in_browser(browser, ui_server[0], big, "maximum allowed size", 30_000)
    text = page.locator("body").inner_text()
    assert "maximum allowed size of 20.0 Mb" in text and "19.1" not in text


def _upload_in_browser(browser, url: str, path, shown: str, timeout_ms: int):
    """A new page of the UI at ``url`` with ``path`` chosen in the upload box, once the page
    says ``shown``."""
    page = browser.new_page()
    page.goto(url)
    page.get_by_role("tab", name="Add articles").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.wait_for_function(f"document.body.innerText.includes({shown!r})", timeout=timeout_ms)
    return page
