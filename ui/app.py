"""The chat app: Gradio Blocks over an Answerer, with sources, the article, uploads and an API.

``AppState`` owns the live Answerer. Uploads build a new index copy and swap it in whole, so a
question in flight keeps the index it started with: readers see the old or the new one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from articleqa.settings import Settings
from index.readers import SUPPORTED_SUFFIXES
from index.store import ArticleIndex, add_articles, load_index
from qa.answerer import Answerer, create_answerer
from qa.chat import ChatHistory
from qa.question import QuestionError
from qa.types import Answer
from ui.render import CSS, answer_markdown, article_html, escape_markdown_html, sources_html

log = logging.getLogger("articleqa.ui")

EXAMPLES = [
    "Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?",
    "Chi ha incontrato Witkoff a San Pietroburgo?",
    "Quali sono i quattro punti cardine della forza di rassicurazione?",
    "How much new military aid for Ukraine was announced?",
    "What did the Kremlin spokesman say about Witkoff's visit?",
    "Who leads the coalition of the willing?",
]


class AppState:
    """The live answerer, swapped whole when articles are added."""

    def __init__(self, answerer: Answerer, settings: Settings) -> None:
        self.answerer = answerer
        self.settings = settings
        self._write_lock = threading.Lock()

    @property
    def index(self) -> ArticleIndex:
        return self.answerer.index

    def add_files(self, files: list[tuple[str, bytes]]):
        """Index ``files`` into a fresh copy of the index, then swap it in."""
        with self._write_lock:
            current = self.answerer
            copy = load_index(self.settings, embed_model=current.index.embed_model)
            new_index, report = add_articles(self.settings, files, index=copy)
            if report.added:
                # A new Answerer over the new index; the LLM (a process-wide local server or
                # a remote endpoint) is shared, not restarted.
                self.answerer = create_answerer(new_index, self.settings, log=log.warning)
            return report


def _source_choices(index: ArticleIndex) -> list[tuple[str, str]]:
    return [(f"{s.title[:70]} ({s.source})", s.source) for s in index.sources.values()]


def build_app(state: AppState) -> gr.Blocks:
    """The Blocks app; every handler goes through ``state``."""
    settings = state.settings
    default_source = next(iter(state.index.sources))

    with gr.Blocks(title="articleqa") as demo:
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
                            clear = gr.Button("Clear chat", variant="secondary", size="sm")
                        gr.Examples(EXAMPLES, inputs=question, label="Examples")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(sources_html(None, {}), elem_id="aq-sources")
                        with gr.Accordion("Settings", open=False):
                            mode = gr.Radio(["extractive", "generative", "auto"],
                                            value=settings.answer_mode, label="Answer mode")
                            retrieval = gr.Radio(["dense", "bm25", "hybrid"],
                                                 value=settings.retrieval_mode,
                                                 label="Retrieval")
                            top_k = gr.Slider(1, 10, value=settings.top_k, step=1,
                                              label="Passages retrieved (top-k)")
            with gr.Tab("Article"):
                source_pick = gr.Dropdown(_source_choices(state.index), value=default_source,
                                          label="Article")
                article = gr.HTML(article_html(state.index.sources[default_source]),
                                  elem_id="aq-article")
            with gr.Tab("Add articles"):
                gr.Markdown(f"Upload {', '.join(SUPPORTED_SUFFIXES)} files (at most "
                            f"{settings.max_file_mb:g} MB each). They are indexed and "
                            "immediately answerable.")
                uploads = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES),
                                  label="Articles")
                upload_status = gr.Markdown()
                source_list = gr.Markdown(_list_sources(state.index))

        def respond(message: str, chat: list[dict[str, Any]] | None, conversation, answer_mode,
                    retrieval_mode, k) -> Iterator[tuple[Any, ...]]:
            conversation = conversation or ChatHistory()
            chat = list(chat or [])
            chat.append({"role": "user", "content": escape_markdown_html(message or "")})
            chat.append({"role": "assistant", "content": "…"})
            yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
            answerer = state.answerer  # one snapshot for the whole question
            answer: Answer | None = None
            streamed = ""
            try:
                for event in answerer.stream(message or "", conversation, answer_mode,
                                             retrieval_mode, int(k)):
                    if isinstance(event, str):
                        streamed += event
                        chat[-1] = {"role": "assistant",
                                    "content": escape_markdown_html(streamed) + " ▌"}
                        yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
                    else:
                        answer = event
            except QuestionError as exc:
                chat[-1] = {"role": "assistant", "content": f"⚠️ {exc}"}
                yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
                return
            except Exception:  # never show a stack trace in the chat
                log.exception("answering failed")
                chat[-1] = {"role": "assistant",
                            "content": "⚠️ Something went wrong while answering; please retry."}
                yield chat, gr.skip(), gr.skip(), conversation, gr.skip(), ""
                return
            assert answer is not None
            chat[-1] = {"role": "assistant", "content": answer_markdown(answer)}
            shown = answer.citations[0].source if answer.citations else default_source
            spans = [(c.start, c.end) for c in answer.citations if c.source == shown]
            yield (chat, sources_html(answer, answerer.index.sources),
                   article_html(answerer.index.sources.get(shown), spans), conversation,
                   answer, "")

        question.submit(respond, [question, chatbot, history, mode, retrieval, top_k],
                        [chatbot, sources, article, history, last_answer, question],
                        api_name=False)

        def clear_chat():
            return [], None, sources_html(None, {}), None

        clear.click(clear_chat, None, [chatbot, history, sources, last_answer], api_name=False)

        def show_article(source: str, answer: Answer | None):
            spans = [(c.start, c.end) for c in (answer.citations if answer else [])
                     if c.source == source]
            return article_html(state.index.sources.get(source), spans)

        source_pick.change(show_article, [source_pick, last_answer], article, api_name=False)

        def upload(files: list[Any] | None, progress=gr.Progress()):  # noqa: B008
            if not files:
                return gr.skip(), gr.skip(), gr.skip()
            progress(0.1, desc="Reading files")
            payload = []
            for item in files:
                path = Path(item if isinstance(item, str) else item.name)
                payload.append((path.name, path.read_bytes()))
            progress(0.3, desc="Indexing")
            try:
                report = state.add_files(payload)
            except Exception as exc:  # a readable message, never a traceback
                log.exception("upload failed")
                return f"⚠️ Could not index the files: {exc}", gr.skip(), gr.skip()
            progress(1.0, desc="Done")
            lines = [f"✅ added **{escape_markdown_html(n)}**" for n in report.added]
            lines += [f"↺ already indexed: {escape_markdown_html(n)}" for n in report.duplicates]
            lines += [f"⚠️ {escape_markdown_html(e)}" for e in report.errors]
            if report.added:
                lines.append(f"{report.chunks_added} passages indexed in {report.seconds:.1f} s.")
            return ("\n\n".join(lines), _list_sources(state.index),
                    gr.Dropdown(choices=_source_choices(state.index)))

        uploads.upload(upload, uploads, [upload_status, source_list, source_pick],
                       api_name=False)

        # The client API: Client(url).predict(question, api_name="/ask") -> dict.
        api_question = gr.Textbox(visible=False)
        api_answer = gr.JSON(visible=False)

        def ask(question_text: str) -> dict[str, Any]:
            try:
                return state.answerer.answer(question_text).to_dict()
            except QuestionError as exc:
                return {"error": str(exc), "question": question_text}

        api_button = gr.Button(visible=False)
        api_button.click(ask, api_question, api_answer, api_name="ask")

    return demo


def _list_sources(index: ArticleIndex) -> str:
    rows = [f"- **{escape_markdown_html(e.title)}** ({escape_markdown_html(e.source)}, "
            f"{e.chunks} passages)" for e in index.manifest.sources]
    return "**Indexed articles**\n\n" + "\n".join(rows)


def launch(state: AppState, settings: Settings, prevent_thread_lock: bool = False) -> gr.Blocks:
    """Serve the app on settings.host:port (127.0.0.1 unless told otherwise)."""
    demo = build_app(state)
    auth = None
    if settings.auth:
        user, _, password = settings.auth.partition(":")
        if not user or not password:
            raise ValueError("ARTICLEQA_AUTH must look like user:password")
        auth = (user, password)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=settings.host, server_port=settings.port or None,
                       share=settings.share, auth=auth, prevent_thread_lock=prevent_thread_lock,
                       max_file_size=f"{int(settings.max_file_mb)}mb", ssr_mode=False,
                       css=CSS, footer_links=["api"], quiet=prevent_thread_lock)
    return demo


def create_state(settings: Settings, index: ArticleIndex) -> AppState:
    return AppState(create_answerer(index, settings, log=log.warning), settings)
