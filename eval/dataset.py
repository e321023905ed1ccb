"""Question sets: JSONL (one object a line), a JSON list, or CSV with the same columns.

Each question: id, lang, question, answers (acceptable answers), evidence (exact substrings of
the source text), answerable; optionally kind (answerable, off_topic, missing_detail, near_miss),
article (the file it is about), split (tune / test: fit on one, report the other) and asks (the
type of answer wanted). Errors name the file and line/row and what is wrong. A question set
may keep its own articles in an ``articles/`` folder beside it; ``articleqa eval`` then indexes
those instead of the bundled corpus.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from articleqa.errors import UserError

REQUIRED = ("id", "lang", "question", "answerable")
UNANSWERABLE_KINDS = ("off_topic", "missing_detail", "near_miss", "unanswerable")
TUNE_SPLIT = "tune"  # the only split anything may be fitted on
SPLITS = (TUNE_SPLIT, "test")


class DatasetError(UserError, ValueError):
    """A malformed question set; the message names the line."""


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    id: str
    lang: str
    question: str
    answerable: bool
    answers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    kind: str = ""  # "answerable" or why not; filled from ``answerable`` when not given
    article: str = ""
    split: str = ""
    asks: str = ""  # what the question asks for (person, number, date…), for per-type reports


def _as_list(value: Any, where: str, name: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):  # CSV: "a|b|c" or a JSON list
        value = value.strip()
        if value.startswith("["):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: {name} is not a valid JSON list ({exc})") from exc
        else:
            return [v.strip() for v in value.split("|") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: {name} must be a list of strings")
    return value


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "false", "0",
                                                            "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise DatasetError(f"{where}: answerable must be true or false, not {value!r}")


def _parse(row: Any, where: str) -> EvalQuestion:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected an object, got {type(row).__name__}")
    missing = [k for k in REQUIRED if k not in row or row[k] in (None, "")]
    if missing:
        raise DatasetError(f"{where}: missing field(s) {', '.join(missing)}")
    question = EvalQuestion(
        id=str(row["id"]), lang=str(row["lang"]), question=str(row["question"]),
        answerable=_as_bool(row["answerable"], where),
        answers=_as_list(row.get("answers"), where, "answers"),
        evidence=_as_list(row.get("evidence"), where, "evidence"),
        kind=str(row.get("kind") or ""), article=str(row.get("article") or ""),
        split=str(row.get("split") or ""), asks=str(row.get("asks") or ""))
    if not question.kind:
        question = replace(question, kind="answerable" if question.answerable
                           else "unanswerable")
    if question.answerable != (question.kind == "answerable") or (
            not question.answerable and question.kind not in UNANSWERABLE_KINDS):
        raise DatasetError(f"{where}: kind {question.kind!r} does not fit answerable="
                           f"{str(question.answerable).lower()} (unanswerable kinds: "
                           f"{', '.join(UNANSWERABLE_KINDS)})")
    if question.split and question.split not in SPLITS:
        raise DatasetError(f"{where}: split must be one of {', '.join(SPLITS)}")
    if question.answerable and not (question.answers and question.evidence):
        raise DatasetError(f"{where}: an answerable question needs answers and evidence")
    if not question.answerable and (question.answers or question.evidence):
        raise DatasetError(f"{where}: an unanswerable question has no answers or evidence")
    return question


def articles_beside(path: Path) -> Path | None:
    """The ``articles/`` folder a question set carries with it, if any."""
    folder = path.parent / "articles"
    return folder if folder.is_dir() else None


def load_questions(path: Path, source_texts: list[str] | None = None,
                   split: str | None = None) -> list[EvalQuestion]:
    """Read and validate ``path``; with ``source_texts``, every evidence string must occur;
    with ``split``, keep only that split's questions."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise DatasetError(f"{path.name} line {line}: not UTF-8 text (byte "
                           f"{exc.object[exc.start]:#x}); save the question set as UTF-8"
                           ) from None
    rows: list[tuple[str, Any]] = []
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((f"{path.name} line {number}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path.name} line {number}: invalid JSON ({exc.msg})") from exc
    elif suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name} line {exc.lineno}: invalid JSON ({exc.msg})") from exc
        if not isinstance(data, list):
            raise DatasetError(f"{path.name}: expected a JSON list of questions")
        rows = [(f"{path.name} item {i}", row) for i, row in enumerate(data, start=1)]
    elif suffix == ".csv":
        reader = csv.DictReader(text.splitlines())
        rows = [(f"{path.name} row {i}", dict(row)) for i, row in enumerate(reader, start=2)]
    else:
        raise DatasetError(f"{path.name}: use .jsonl, .json or .csv")
    questions = [_parse(row, where) for where, row in rows]
    if split:
        keep = [(r, q) for r, q in zip(rows, questions, strict=True) if q.split == split]
        rows, questions = [r for r, _ in keep], [q for _, q in keep]
    if not questions:
        raise DatasetError(f"{path.name}: no questions" + (f" in split {split!r}" if split
                                                           else ""))
    seen: dict[str, str] = {}
    for (where, _), q in zip(rows, questions, strict=True):
        if q.id in seen:
            raise DatasetError(f"{where}: duplicate id {q.id!r} (first at {seen[q.id]})")
        seen[q.id] = where
        if source_texts is not None:
            for evidence in q.evidence:
                if not any(evidence in t for t in source_texts):
                    raise DatasetError(f"{where}: evidence {evidence!r} is not in the indexed "
                                       "sources")
    return questions
