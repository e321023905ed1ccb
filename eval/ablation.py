"""What each family of language rules buys: the tune split run with everything on, then once per
family with that family switched off (issue 20: a rule that does not move the result by one
question per hundred is removed).

A family is switched off inside this process only, by patching the language layer's function or
data to a neutral behaviour (``unittest.mock.patch``): no setting of the product knows about
it. One embedder, one eval index (the one ``articleqa eval`` builds for the set) and one
Answerer serve every run; the language layer's caches are emptied between runs, so no run sees
what another one computed. Only the tune split is read.

Run from the repository root:
``python -m articleqa.eval.ablation eval/questions/news/questions.jsonl --out DIR [--limit N]``
(extractive answers: set ``ARTICLEQA_ANSWER_MODE=extractive``; the verifier, which only checks an
LLM's answer, is not on that path).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from articleqa.eval.dataset import TUNE_SPLIT, articles_beside, load_questions
from articleqa.eval.runner import EvalConfig, run_eval

Patcher = Callable[[], contextlib.AbstractContextManager[Any]]


@dataclass(frozen=True, slots=True)
class Family:
    """One family of rules: what it is, and how it is switched off."""

    key: str
    title: str
    off: str  # what answering does without it
    switch_off: Patcher
    part_of: str = ""  # a part of a family that holds several lists, run on its own


# ---------------------------------------------------------------- switching off


def _articleqa_modules() -> list[Any]:
    return [m for name, m in sorted(sys.modules.items())
            if m is not None and (name == "articleqa" or name.startswith("articleqa."))]


def clear_caches() -> None:
    """Empty every functools cache of the package (the language layer caches what it reads
    from its tables, and the reader the rule span of each sentence)."""
    for module in _articleqa_modules():
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", "").startswith("articleqa"):
                clear()


@contextlib.contextmanager
def _everywhere(module: str, name: str, replacement: Any) -> Iterator[None]:
    """Replace ``module.name`` and every other binding of the same object in the package
    (``from articleqa.lang import question_type`` binds it once per importing module)."""
    original = getattr(sys.modules[module], name)
    with contextlib.ExitStack() as stack:
        for m in _articleqa_modules():
            for attr, value in list(vars(m).items()):
                if value is original:
                    stack.enter_context(mock.patch.object(m, attr, replacement))
        yield


def _import_time_constants() -> contextlib.ExitStack:
    """The few values computed from the languages at import (stop words, the name-run
    regex), recomputed from the languages as they are now."""
    import articleqa.index.text as text
    import articleqa.qa.answer_types as answer_types
    from articleqa.lang import all_stopwords
    from articleqa.lang.markers import alternation_for

    clear_caches()
    stack = contextlib.ExitStack()
    stopwords = all_stopwords()
    if stopwords != text.STOPWORDS:
        stack.enter_context(_everywhere("articleqa.index.text", "STOPWORDS", stopwords))
    particle = alternation_for("name_particles")
    if particle != answer_types._PARTICLE:
        import re

        stack.enter_context(mock.patch.object(answer_types, "_NAME_RUN", re.compile(
            answer_types._NAME_RUN.pattern.replace(answer_types._PARTICLE, particle))))
    return stack


@contextlib.contextmanager
def _languages(**changes: Callable[[Any], Any]) -> Iterator[None]:
    """Every registered language with fields replaced: ``field=lambda language: new value``."""
    registry = importlib.import_module("articleqa.lang.registry")
    replaced = {code: dataclasses.replace(language, **{f: change(language)
                                                       for f, change in changes.items()})
                for code, language in registry.LANGUAGES.items()}
    with mock.patch.dict(registry.LANGUAGES, replaced):
        with _import_time_constants():
            yield


def _empty(*fields: str) -> Patcher:
    def empty(language: Any, field: str) -> Any:
        value = getattr(language, field)
        return {} if isinstance(value, dict) else type(value)()

    return lambda: _languages(**{f: (lambda lang, f=f: empty(lang, f)) for f in fields})


@contextlib.contextmanager
def _no_markers() -> Iterator[None]:
    """Nothing is a chat-role line, an instruction or a planted turn (``lang.instructions``
    and ``qa.planted``, as the answer path asks them)."""
    with contextlib.ExitStack() as stack:
        for target, off in (("articleqa.qa.extractive.is_role_line", lambda text: False),
                            ("articleqa.qa.extractive.has_instruction", lambda text: False),
                            ("articleqa.qa.planted.planted_spans", lambda text: ())):
            stack.enter_context(mock.patch(target, off))
        yield


def _no_number_words() -> contextlib.AbstractContextManager[Any]:
    return mock.patch("articleqa.lang.numbers.find_numbers", lambda *args, **kwargs: [])


def _years_only() -> contextlib.AbstractContextManager[Any]:
    import re

    dates = importlib.import_module("articleqa.lang.dates")
    stack = contextlib.ExitStack()
    stack.enter_context(mock.patch.object(dates, "_patterns",
                                          lambda: (dates._YEAR, dates._CLOCK)))
    stack.enter_context(mock.patch.object(dates, "_centuries", lambda: re.compile("(?!)")))
    return stack


def _no_month_dates() -> contextlib.AbstractContextManager[Any]:
    dates = importlib.import_module("articleqa.lang.dates")
    from articleqa.lang.phrases import pattern

    return mock.patch.object(dates, "_patterns",
                             lambda: (dates._YEAR, pattern("date_words"), dates._CLOCK))


def _untyped_questions() -> contextlib.AbstractContextManager[Any]:
    from articleqa.lang import AnswerType, QuestionType

    return _everywhere("articleqa.lang.questions", "question_type",
                       lambda question: QuestionType(AnswerType.OTHER, False))


_ELIDED_QUESTION_WORDS = frozenset({"cos", "com", "quand", "dov"})


def _no_elision() -> contextlib.AbstractContextManager[Any]:
    def asks(language: Any) -> dict:
        return {kind: tuple(p for p in phrases if not p.endswith("'"))
                for kind, phrases in language.asks.items()}

    return _languages(asks=asks,
                      question_words=lambda lang: lang.question_words - _ELIDED_QUESTION_WORDS)


def _no_stemming() -> contextlib.AbstractContextManager[Any]:
    return mock.patch("articleqa.lang.base._snowball", lambda algorithm, word: word)


def _no_cognates() -> contextlib.AbstractContextManager[Any]:
    plain = importlib.import_module("articleqa.lang.words").shared
    return _everywhere("articleqa.lang.words", "shared",
                       lambda asked, found, cognates=False: plain(asked, found, False))


def _no_exonyms() -> contextlib.AbstractContextManager[Any]:
    stack = contextlib.ExitStack()
    stack.enter_context(mock.patch("articleqa.lang.names._forms", lambda: {}))
    stack.enter_context(mock.patch("articleqa.lang.names._exonym_spans", lambda text: ()))
    return stack


FAMILIES: tuple[Family, ...] = (
    Family("number_words", "number words (text2num, with the “sei” and lone “un”/“one” "
           "guards)", "only digits are numbers", _no_number_words),
    Family("number_tables", "number tables: approximations (“una cinquantina”, “a dozen”) "
           "and scale words (“21 miliardi”)", "tables empty",
           _empty("approximations", "scales")),
    Family("number_context", "number context: units and their links (“sei mesi”, “miliardi di "
           "euro”), modifiers (“circa”), what a question measures or counts (“quanto tempo”, "
           "“quanti abitanti”)", "unit symbols only; no measured or counted noun",
           _empty("units", "unit_links", "modifiers", "measures", "counts")),
    Family("dates", "date reading: month-name dates (babel), weekdays, day words (“ieri”), "
           "centuries, clock words (“alle 7.30”)", "bare years and hh:mm only", _years_only),
    Family("question_types", "question → answer type: question phrases, type nouns "
           "(“quale comune”), “chi è + name”", "every question untyped (OTHER)",
           _untyped_questions),
    Family("elision", "elided question words (“dov’è”, “quand’è”, “cos’è”)",
           "not read as question words", _no_elision),
    Family("stemming", "stemming (Snowball; with it the one key of a name in every "
           "language)", "words compared folded, unstemmed", _no_stemming),
    Family("cognates", "cognates across languages (rapidfuzz ≥ 80 between stems: "
           "“contatto”/“contact”)", "only equal stems are shared", _no_cognates),
    Family("exonyms", "exonym tables (Cremlino/Kremlin, Stati Uniti/USA, ~50 concepts)",
           "no table", _no_exonyms),
    Family("word_lists", "small word lists: extra stop words (“secondo”, “according”), name "
           "particles (“di” in “Monaco di Baviera”), demonym and possessive endings",
           "lists empty", _empty("extra_stopwords", "name_particles", "demonym_endings",
                                 "possessive_endings")),
    Family("markers", "chat-role and instruction markers (“Utente:”, “ignore previous "
           "instructions”: such sentences are never quoted)", "every sentence quotable",
           _no_markers),
)


@contextlib.contextmanager
def switched_off(family: Family | None) -> Iterator[None]:
    """``family`` switched off (nothing, for None), with the package's caches emptied on the
    way in and out: nothing computed with the rules on is reused with them off, or back."""
    clear_caches()
    try:
        with family.switch_off() if family else contextlib.nullcontext():
            clear_caches()
            yield
    finally:
        clear_caches()

# The families above that join several lists, one list (or a few that work together) at a time.
PARTS: tuple[Family, ...] = (
    Family("approximations", "approximations", "table empty", _empty("approximations"),
           "number_tables"),
    Family("scales", "scale words", "table empty", _empty("scales"), "number_tables"),
    Family("units", "unit words and links", "unit symbols only", _empty("units", "unit_links"),
           "number_context"),
    Family("modifiers", "modifiers (“circa”, “more than”)", "none", _empty("modifiers"),
           "number_context"),
    Family("measures", "what a question measures (“quanto tempo”)", "none",
           _empty("measures"), "number_context"),
    Family("counts", "what a question counts (“quanti abitanti”)", "none", _empty("counts"),
           "number_context"),
    Family("month_dates", "month-name dates and weekdays (babel)", "none", _no_month_dates,
           "dates"),
    Family("date_words", "day words, centuries, clock words", "none",
           _empty("date_words", "century_names"), "dates"),
    Family("type_nouns", "type nouns after a which-word (“quale comune”)", "none",
           _empty("type_nouns"), "question_types"),
    Family("describe", "“chi è + name” asks what, not who", "none", _empty("describe"),
           "question_types"),
    Family("extra_stopwords", "extra stop words", "NLTK's and question words only",
           _empty("extra_stopwords"), "word_lists"),
    Family("name_particles", "name particles", "none", _empty("name_particles"),
           "word_lists"),
    Family("demonyms", "demonym endings", "none", _empty("demonym_endings"), "word_lists"),
    Family("possessives", "possessive endings", "none", _empty("possessive_endings"),
           "word_lists"),
)


# ---------------------------------------------------------------- running and scoring


def outcome(row: dict[str, Any]) -> str:
    """What the user saw: abstained, a right or wrong short answer, or the quote only."""
    if row["abstained"]:
        return "abstained"
    if row.get("short_answer"):
        return "right" if row["answerable"] and row["short_correct"] else "wrong"
    return "quote"


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per language: questions, answerable, right short answers, short answers shown and
    wrong, abstentions on answerable and on unanswerable questions (counts)."""
    out: dict[str, dict[str, int]] = {}
    for lang in sorted({r["lang"] for r in rows}):
        mine = [r for r in rows if r["lang"] == lang]
        answerable = [r for r in mine if r["answerable"]]
        outcomes = [outcome(r) for r in mine]
        out[lang] = {
            "questions": len(mine), "answerable": len(answerable),
            "unanswerable": len(mine) - len(answerable),
            "right": sum(bool(r["short_correct"]) for r in answerable),
            "shown": sum(o in ("right", "wrong") for o in outcomes),
            "wrong": outcomes.count("wrong"),
            "false_abstentions": sum(r["abstained"] for r in answerable),
            "abstained_unanswerable": sum(r["abstained"] for r in mine if not r["answerable"]),
        }
    return out


MOVES = ("right", "wrong", "false_abstentions", "abstained_unanswerable")


def moved(base: dict[str, int], run: dict[str, int]) -> float:
    """The largest change, in questions per 100 questions of the language, of right short
    answers, wrong ones shown, and abstentions on answerable and on unanswerable questions."""
    return max(abs(run[k] - base[k]) for k in MOVES) * 100 / base["questions"]


def _rate(count: int, total: int) -> str:
    return f"{count / total:.3f}" if total else "–"


def table(runs: list[dict[str, Any]], languages: tuple[str, ...] = ("it", "en")) -> str:
    """Markdown: one row per run (everything on first), and the signed changes below."""
    base = runs[0]["summary"]
    head = ("| switched off | short answer it / en | shown wrong it / en (shown) | "
            "false abstention it / en | abstention recall | Δ per 100 it / en |")
    lines = [head, "|---|---|---|---|---|---|"]
    for run in runs:
        s = run["summary"]
        it, en = (s[lang] for lang in languages)
        recall = _rate(sum(s[lang]["abstained_unanswerable"] for lang in languages),
                       sum(s[lang]["unanswerable"] for lang in languages))
        delta = "—" if run is runs[0] else " / ".join(
            f"{moved(base[lang], s[lang]):.1f}" for lang in languages)
        lines.append(
            f"| {run['title']} | {_rate(it['right'], it['answerable'])} / "
            f"{_rate(en['right'], en['answerable'])} | {_rate(it['wrong'], it['shown'])} "
            f"({it['shown']}) / {_rate(en['wrong'], en['shown'])} ({en['shown']}) | "
            f"{_rate(it['false_abstentions'], it['answerable'])} / "
            f"{_rate(en['false_abstentions'], en['answerable'])} | {recall} | {delta} |")
    lines += ["", "Signed changes against everything on, in questions (it / en): right short "
              "answers, wrong ones shown, abstentions on answerable, on unanswerable; and how "
              "many questions' outcome changed at all.", "",
              "| switched off | right | wrong shown | false abstentions | abstained "
              "unanswerable | outcome changed |", "|---|---|---|---|---|---|"]
    for run in runs[1:]:
        s = run["summary"]
        cells = [" / ".join(f"{s[lang][k] - base[lang][k]:+d}" for lang in languages)
                 for k in MOVES]
        changed = " / ".join(str(run["changed"].get(lang, 0)) for lang in languages)
        lines.append(f"| {run['title']} | " + " | ".join(cells) + f" | {changed} |")
    return "\n".join(lines)


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m articleqa.eval.ablation",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="ablation.md and .json go here")
    parser.add_argument("--limit", type=int, help="only the first N tune questions (a smoke run)")
    parser.add_argument("--only", help="comma-separated family keys (default: every family): "
                        + ",".join(f.key for f in FAMILIES))
    parser.add_argument("--parts", action="store_true",
                        help="run the parts of the families that join several lists instead: "
                        + ",".join(f.key for f in PARTS))
    args = parser.parse_args(argv)

    from articleqa.cli import eval_index_dir, make_settings
    from articleqa.index.build import open_index
    from articleqa.qa.answerer import Answerer

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    settings = make_settings()
    corpus_dir = articles_beside(args.questions)
    if corpus_dir is not None:
        settings = make_settings(corpus_dir=corpus_dir,
                                 index_dir=eval_index_dir(settings, corpus_dir))
    answerer = Answerer(open_index(settings, log=log), settings)
    items = load_questions(args.questions, [s.text for s in answerer.index.sources.values()],
                           TUNE_SPLIT)[:args.limit]
    wanted = set(args.only.split(",")) if args.only else None
    families = [f for f in (PARTS if args.parts else FAMILIES)
                if wanted is None or f.key in wanted]
    config = EvalConfig(f"{settings.answer_mode}/{settings.retrieval_mode}",
                        str(settings.answer_mode), str(settings.retrieval_mode), settings.top_k)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"questions": str(args.questions), "split": TUNE_SPLIT, "n": len(items),
            "commit": _commit(), "config": dataclasses.asdict(config),
            "embed_model": str(settings.embed_model)}
    log(f"ablation: {len(items)} {TUNE_SPLIT} questions, {config.name}, commit {meta['commit']}")
    runs: list[dict[str, Any]] = []
    base_outcomes: dict[str, str] = {}
    for family in [None, *families]:
        started = time.perf_counter()
        with switched_off(family):
            result = run_eval(answerer, items, config, show_progress=False)
        outcomes = {r["id"]: outcome(r) for r in result.records}
        if family is None:
            base_outcomes = outcomes
        changed: dict[str, int] = {}
        for r in result.records:
            if outcomes[r["id"]] != base_outcomes[r["id"]]:
                changed[r["lang"]] = changed.get(r["lang"], 0) + 1
        title = "nothing (everything on)" if family is None else \
            f"{family.part_of}: {family.title}" if family.part_of else family.title
        run = {"key": family.key if family else "none", "title": title,
               "off": family.off if family else "",
               "summary": summary(result.records), "changed": changed,
               "seconds": round(time.perf_counter() - started, 1),
               "outcomes": outcomes}
        runs.append(run)
        log(f"{run['key']}: {json.dumps(run['summary'])} changed {changed} "
            f"({run['seconds']} s)")
        (args.out / "ablation.json").write_text(json.dumps({**meta, "runs": runs}, indent=1,
                                                           ensure_ascii=False),
                                                encoding="utf-8")
        (args.out / "ablation.md").write_text(table(runs) + "\n", encoding="utf-8")
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
