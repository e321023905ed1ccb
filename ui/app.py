"""The chat app: Gradio Blocks over an Answerer, with sources, the article, uploads and an API.

``AppState`` owns the live Answerer. Uploads publish a new index version and swap a new
Answerer in whole, so a question in flight keeps the index it started with. The handlers are
methods of :class:`Handlers`; ``build_app`` only lays out components and wires events.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from articleqa.choices import AnswerMode, EmbedModel, RetrievalMode, values
from articleqa.errors import UserError
from articleqa.index.article_index import AddReport, ArticleIndex
from articleqa.index.build import NewArticle, add_articles, build_index
from articleqa.index.fetch import fetch_article
from articleqa.index.readers import SUPPORTED_SUFFIXES, ArticleError
from articleqa.qa.answerer import Answerer, create_answerer
from articleqa.qa.chat import ChatHistory
from articleqa.qa.short_answer import clean_short_answer
from articleqa.qa.types import Answer
from articleqa.settings import Settings
from articleqa.ui.api import AskEndpoint
from articleqa.ui.examples import example_questions
from articleqa.ui.guards import BodyLimit, ClientSlots, LoginThrottle
from articleqa.ui.render import (
    CSS,
    answer_markdown,
    article_html,
    escape_markdown_html,
    source_list_markdown,
    sources_html,
)

log = logging.getLogger("articleqa.ui")

THINKING = "…"
API_BODY_BYTES = 1_000_000  # a question is at most a few KB; nothing else is posted but files
UPLOAD_BATCH_FILES = 20
UPLOAD_CACHE_S = 3600
FAILED = "⚠️ Something went wrong while answering; please retry."
# The queue runs FETCH_SLOTS fetches at once; one client may hold FETCHES_PER_CLIENT of them.
FETCH_SLOTS = 4
FETCHES_PER_CLIENT = 1
FETCH_BUSY = ("⚠️ A fetch you started is still running; wait for it to finish (each address "
              "gets at most ARTICLEQA_FETCH_TIMEOUT_S seconds).")


class AppState:
    """The live answerer, swapped whole when articles are added."""

    def __init__(self, answerer: Answerer, settings: Settings) -> None:
        self.answerer = answerer
        self.settings = settings
        self._swap_lock = threading.Lock()

    @property
    def index(self) -> ArticleIndex:
        return self.answerer.index

    def rebuild(self) -> None:
        """Build a fresh index (the bundled articles changed) and answer from it when done;
        until then the old index keeps answering."""
        try:
            new_index = build_index(self.settings, embed_model=self.index.embed_model,
                                    show_progress=True, log=log.warning)
        except Exception:  # the old index keeps serving; the next start tries again
            log.exception("background rebuild failed")
            return
        with self._swap_lock:
            self.answerer = create_answerer(new_index, self.settings, log=log.warning)
        log.warning("rebuilt index is live")

    def add_files(self, files: list[NewArticle]) -> AddReport:
        """Index ``files`` into a new index version, then answer from it."""
        new_index, report = add_articles(self.settings, files,
                                         embed_model=self.index.embed_model,
                                         show_progress=True, log=log.warning)
        if report.added:
            with self._swap_lock:
                # Another upload may have published after ours: keep the newest version.
                current = self.answerer.index.version_dir
                if current is None or new_index.version_dir is None or \
                        new_index.version_dir.name > current.name:
                    # The LLM (a process-wide local server or a remote endpoint) is shared.
                    self.answerer = create_answerer(new_index, self.settings, log=log.warning)
        return report


def client_address(request: gr.Request | None) -> str:
    """Who is asking: the peer address of the request ('local' when called without one)."""
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "local"


def _remove_upload(path: Path) -> None:
    """Delete Gradio's temporary copy of an uploaded file once read: the index keeps the
    article's bytes, and Gradio itself keeps every upload until the server stops (20 MB per
    file, without bound). Only files inside Gradio's upload folder are touched."""
    root = Path(get_upload_folder()).resolve()
    try:
        resolved = path.resolve()
        if resolved.is_relative_to(root) and resolved != root:
            resolved.unlink(missing_ok=True)
            if resolved.parent != root:
                resolved.parent.rmdir()  # Gradio puts each upload in a folder of its own
    except OSError:  # a folder still holding something else, or already gone
        pass


def _source_choices(index: ArticleIndex) -> list[tuple[str, str]]:
    return [(f"{s.title[:70]} ({s.source})", s.source) for s in index.sources.values()]


def _cited_spans(answer: Answer | None, source: str) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in (answer.citations if answer else []) if c.source == source]


def _report_markdown(report: AddReport, index: ArticleIndex, failed: list[str]) -> str:
    """What an upload or a fetch did, one line per article, title and address included."""
    lines = []
    for name in report.added:
        source = index.sources.get(name)
        title = f" — {escape_markdown_html(source.title)}" if source else ""
        where = f" ({escape_markdown_html(source.url)})" if source and source.url else ""
        lines.append(f"✅ added **{escape_markdown_html(name)}**{title}{where}")
    lines += [f"↺ already indexed: {escape_markdown_html(n)}" for n in report.duplicates]
    lines += [f"ℹ️ {escape_markdown_html(n)}" for n in report.notes]
    lines += [f"⚠️ {escape_markdown_html(e)}" for e in failed + report.errors]
    if report.added:
        lines.append(f"{report.chunks_added} passages indexed in {report.seconds:.1f} s.")
    return "\n\n".join(lines)


class Handlers:
    """Every event handler of the app, bound to one AppState."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.fetch_slots = ClientSlots(FETCHES_PER_CLIENT)

    def respond(self, message: str, chat: list[dict[str, Any]] | None,
                conversation: ChatHistory | None, answer_mode: str, retrieval_mode: str,
                k: float) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat: the quote and its sources at once, then the short
        answer as the model writes it. Outputs: chat, sources, article, history, answer, the
        cleared question box."""
        conversation = conversation or ChatHistory()
        chat = list(chat or [])
        chat.append({"role": "user", "content": escape_markdown_html(message or "")})
        chat.append({"role": "assistant", "content": THINKING})
        yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
        answerer = self.state.answerer  # one snapshot for the whole question
        answer: Answer | None = None
        written = ""
        try:
            for event in answerer.stream(message or "", conversation, AnswerMode(answer_mode),
                                         RetrievalMode(retrieval_mode), int(k)):
                if isinstance(event, str):
                    written += event
                    chat[-1] = {"role": "assistant",
                                "content": answer_markdown(answer, clean_short_answer(written))}
                    yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
                    continue
                answer = event
                chat[-1] = {"role": "assistant", "content": answer_markdown(
                    answer, None if answer.final else "")}
                yield (chat, *self._evidence_views(answerer, answer), conversation, answer, "")
        except UserError as exc:
            chat[-1] = {"role": "assistant", "content": f"⚠️ {escape_markdown_html(str(exc))}"}
            yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
        except Exception:  # never show a stack trace in the chat
            log.exception("answering failed")
            chat[-1] = {"role": "assistant", "content": FAILED}
            yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""

    @staticmethod
    def _evidence_views(answerer: Answerer, answer: Answer) -> tuple[str, str]:
        """The sources panel and the article view (the cited article, spans highlighted)."""
        sources = answerer.index.sources
        shown = answer.citations[0].source if answer.citations else next(iter(sources))
        return (sources_html(answer, sources),
                article_html(sources.get(shown), _cited_spans(answer, shown)))

    @staticmethod
    def clear_chat() -> tuple[Any, ...]:
        """Forget the conversation and its sources (the Chatbot's own clear icon, too)."""
        return [], None, sources_html(None, {}), None

    def show_article(self, source: str, answer: Answer | None) -> str:
        return article_html(self.state.index.sources.get(source), _cited_spans(answer, source))

    def upload(self, files: list[Any] | None,
               progress: gr.Progress = gr.Progress(track_tqdm=True)  # noqa: B008
               ) -> tuple[Any, ...]:
        """Index uploaded files; outputs: status, article list, article picker."""
        if not files:
            return gr.skip(), gr.skip(), gr.skip()
        progress(0.0, desc="Reading files")
        payload, failed = [], []
        for item in files:
            path = Path(item if isinstance(item, str) else item.name)
            try:
                payload.append((path.name, path.read_bytes()))
            except OSError as exc:  # one unreadable upload costs only itself
                failed.append(f"{path.name}: could not be read ({exc.strerror})")
            _remove_upload(path)
        progress(0.05, desc="Indexing")
        return self._add(payload, failed)

    def add_urls(self, text: str | None, request: gr.Request | None = None,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)  # noqa: B008
                 ) -> tuple[Any, ...]:
        """Fetch and index the URLs in the box (one or more, separated by spaces or lines);
        outputs: status, article list, article picker, the URL box (kept when all failed).
        One fetch at a time per client: a second one while the first runs is refused."""
        urls = (text or "").split()
        if not urls:
            return "⚠️ Paste the address of a news page or PDF (http:// or https://).", \
                gr.skip(), gr.skip(), gr.skip()
        with self.fetch_slots.hold(client_address(request)) as granted:
            if not granted:
                return FETCH_BUSY, gr.skip(), gr.skip(), gr.skip()
            return self._fetch_and_add(urls, progress)

    def _fetch_and_add(self, urls: list[str], progress: gr.Progress) -> tuple[Any, ...]:
        fetched, failed = [], []
        for number, url in enumerate(urls):
            progress(0.3 * number / len(urls), desc=f"Fetching {url[:80]}")
            try:
                fetched.append(fetch_article(url, self.state.settings))
            except ArticleError as exc:
                failed.append(str(exc))
        progress(0.3, desc="Indexing")
        if not fetched:
            return "\n\n".join(f"⚠️ {escape_markdown_html(e)}" for e in failed), \
                gr.skip(), gr.skip(), gr.skip()
        return *self._add(fetched, failed), ""

    def _add(self, articles: list[NewArticle], failed: list[str]) -> tuple[Any, ...]:
        """Index ``articles``; outputs: status, article list, article picker."""
        try:
            report = self.state.add_files(articles)
        except UserError as exc:
            return f"⚠️ Could not index the files: {escape_markdown_html(str(exc))}", \
                gr.skip(), gr.skip()
        except Exception:  # a readable message, never a traceback
            log.exception("upload failed")
            return "⚠️ Could not index the files; see the server log.", gr.skip(), gr.skip()
        index = self.state.index
        return (_report_markdown(report, index, failed), source_list_markdown(index),
                gr.Dropdown(choices=_source_choices(index)))

    def refresh_examples(self) -> Any:
        """The example questions for the articles indexed now (after an upload, on load)."""
        questions = example_questions(self.state.index, self.state.settings.corpus_dir)
        return gr.Dataset(samples=[[q] for q in questions])

    def refresh_sources(self) -> tuple[Any, ...]:
        """On page load: the article list as it is now, not as it was at start."""
        index = self.state.index
        return source_list_markdown(index), gr.Dropdown(choices=_source_choices(index))


def build_app(state: AppState) -> gr.Blocks:
    """The Blocks app: layout and wiring; the work is in :class:`Handlers`."""
    settings = state.settings
    handlers = Handlers(state)
    default_source = next(iter(state.index.sources))

    # Uploads never read by a handler (refused by size, a closed tab) go within two hours.
    with gr.Blocks(title="articleqa", delete_cache=(UPLOAD_CACHE_S, UPLOAD_CACHE_S)) as demo:
        history = gr.State(None)
        last_answer = gr.State(None)
        gr.Markdown("## articleqa — ask the article\nAnswers quote the article and cite it; "
                    "click a [n] to see the passage. If the article does not say, it says so.")
        with gr.Tabs():
            with gr.Tab("Chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Conversation", height=480,
                                             elem_id="aq-chat", feedback_options=None)
                        question = gr.Textbox(placeholder="Fai una domanda sull'articolo… / "
                                              "Ask a question about the article…",
                                              show_label=False, elem_id="aq-question",
                                              submit_btn=True)
                        with gr.Row():
                            stop = gr.Button("Stop", variant="stop", size="sm",
                                             elem_id="aq-stop")
                            clear = gr.Button("Clear chat", variant="secondary", size="sm")
                        examples = gr.Examples(
                            [[q] for q in example_questions(state.index, settings.corpus_dir)],
                            inputs=question, label="Examples")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None, {}), elem_id="aq-sources")
                        with gr.Accordion("Settings", open=False):
                            mode = gr.Radio(values(AnswerMode), value=settings.answer_mode,
                                            label="Answer mode")
                            retrieval = gr.Radio(values(RetrievalMode),
                                                 value=settings.retrieval_mode,
                                                 label="Retrieval")
                            top_k = gr.Slider(1, 10, value=settings.top_k, step=1,
                                              label="Passages retrieved (top-k)")
                            gr.Markdown(f"Embedder: `{settings.embed_model}` (fixed when the "
                                        "index is built: choose it with `--embed-model` or "
                                        "`ARTICLEQA_EMBED_MODEL`, one of "
                                        f"{', '.join(values(EmbedModel))})",
                                        elem_id="aq-embedder")
            with gr.Tab("Article"):
                source_pick = gr.Dropdown(_source_choices(state.index), value=default_source,
                                          label="Article")
                article = gr.HTML(article_html(state.index.sources[default_source]),
                                  elem_id="aq-article")
            with gr.Tab("Add articles"):
                gr.Markdown(f"Upload {', '.join(SUPPORTED_SUFFIXES)} files, or paste the "
                            f"address of a news page or PDF (at most {settings.max_file_mb:g}"
                            " MB each). Pages keep only their article (no menus, banners or "
                            "comments). They are indexed and immediately answerable.")
                with gr.Row():
                    url_box = gr.Textbox(placeholder="https://… (one or more addresses)",
                                         show_label=False, elem_id="aq-url", scale=4)
                    fetch = gr.Button("Fetch and index", elem_id="aq-fetch", scale=1)
                uploads = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES),
                                  label="Articles")
                upload_status = gr.Markdown()
                source_list = gr.Markdown(source_list_markdown(state.index))

        asked = question.submit(handlers.respond,
                                [question, chatbot, history, mode, retrieval, top_k],
                                [chatbot, sources, article, history, last_answer, question],
                                api_visibility="private")
        stop.click(None, None, None, cancels=[asked], api_visibility="private")
        cleared = [chatbot, history, sources, last_answer]
        clear.click(handlers.clear_chat, None, cleared, api_visibility="private")
        chatbot.clear(handlers.clear_chat, None, cleared, api_visibility="private")
        source_pick.change(handlers.show_article, [source_pick, last_answer], article,
                           api_visibility="private")
        uploads.upload(handlers.upload, uploads, [upload_status, source_list, source_pick],
                       api_visibility="private").then(
            handlers.refresh_examples, None, examples.dataset, api_visibility="private")
        added_by_url = [upload_status, source_list, source_pick, url_box]
        # Both ways in share one pool of fetch slots (ClientSlots divides it among clients).
        fetching = {"api_visibility": "private", "concurrency_id": "fetch",
                    "concurrency_limit": FETCH_SLOTS}
        for added in (fetch.click(handlers.add_urls, url_box, added_by_url, **fetching),
                      url_box.submit(handlers.add_urls, url_box, added_by_url, **fetching),
                      demo.load(handlers.refresh_sources, None, [source_list, source_pick],
                                api_visibility="private")):
            added.then(handlers.refresh_examples, None, examples.dataset,
                       api_visibility="private")
        # The client API: Client(url).predict(question, api_name="/ask") -> dict.
        gr.api(AskEndpoint(state).ask, api_name="ask")
    return demo


def launch(state: AppState, settings: Settings, prevent_thread_lock: bool = False) -> gr.Blocks:
    """Serve the app on settings.host:port (127.0.0.1 unless told otherwise)."""
    demo = build_app(state)
    demo.queue(default_concurrency_limit=4)
    # Uvicorn (which Gradio starts without a say in this) believes X-Forwarded-For from the
    # addresses in FORWARDED_ALLOW_IPS, by default 127.0.0.1: any local client could then
    # name itself anew on every login guess. Only the proxies the user configured are trusted.
    os.environ["FORWARDED_ALLOW_IPS"] = settings.trusted_proxies
    guards = [Middleware(LoginThrottle),
              Middleware(BodyLimit, max_bytes=API_BODY_BYTES,
                         upload_max_bytes=UPLOAD_BATCH_FILES * settings.upload_box_bytes
                         + API_BODY_BYTES)]
    demo.launch(server_name=settings.host, server_port=settings.port or None,
                share=settings.share, auth=settings.auth_pair,
                prevent_thread_lock=prevent_thread_lock,
                max_file_size=settings.upload_box_bytes, ssr_mode=False, css=CSS,
                footer_links=["api"], quiet=prevent_thread_lock,
                app_kwargs={"middleware": guards})
    return demo


def create_state(settings: Settings, index: ArticleIndex, rebuild: bool = False) -> AppState:
    """The app's state; the LLM (when the answer mode wants one) starts in the background, so
    the first question does not wait for the model to load; with ``rebuild``, so does a new
    index (the old one answers meanwhile)."""
    answerer = create_answerer(index, settings, log=log.warning)
    if answerer.wants_llm():
        threading.Thread(target=answerer.ensure_writer, name="llm-warm-up", daemon=True).start()
    state = AppState(answerer, settings)
    if rebuild:
        threading.Thread(target=state.rebuild, name="index-rebuild", daemon=True).start()
    return state
