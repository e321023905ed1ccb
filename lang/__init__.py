"""The language layer: every word of every language the pipeline understands, behind one
interface (``base.Language``), one module per language (``it.py``, ``en.py``).

The rest of the code asks this package and spells no word of any language: "what does this
question ask for?" (:func:`question_type`), "the numbers of this sentence, as values"
(:func:`quantities`), "is this name in that text?" (:func:`name_in`), "which language is
this?" (:func:`detect_language`), "the content words of this text" (:func:`content_words`).
Adding a language: README, "Adding a language".
"""

from __future__ import annotations

from articleqa.lang.base import (
    AnswerType,
    Language,
    LanguageDataError,
    Measure,
    fold,
    fold_aligned,
)
from articleqa.lang.dates import date_spans, is_year, month_numbers, months, weekday_names
from articleqa.lang.instructions import (
    Label,
    has_instruction,
    has_template_mark,
    is_role_line,
    role_label,
)
from articleqa.lang.markers import (
    alternation_for,
    back_references,
    declines,
    negated,
    opens_follow_up,
    starts_no,
    starts_yes,
)
from articleqa.lang.names import (
    concepts,
    exonym_spans,
    is_demonym,
    name_in,
    name_runs,
    same_name,
    strip_possessive,
)
from articleqa.lang.numbers import Quantity, modifier_before, parse_digits, quantities, unit_after
from articleqa.lang.questions import (
    QuestionType,
    counted_noun,
    is_yes_no_question,
    measured,
    question_type,
)
from articleqa.lang.registry import FALLBACK, LANGUAGES, get_language, known, languages
from articleqa.lang.words import (
    all_stopwords,
    content_tokens,
    content_words,
    detect_language,
    language_evidence,
    question_words,
    stem,
    stems,
    stopwords,
    words,
)

__all__ = [
    "FALLBACK", "LANGUAGES", "AnswerType", "Label", "Language",
    "LanguageDataError", "Measure", "Quantity", "QuestionType", "all_stopwords",
    "alternation_for", "back_references", "concepts",
    "content_tokens", "content_words", "counted_noun", "date_spans", "declines",
    "detect_language", "exonym_spans", "fold", "fold_aligned", "get_language",
    "has_instruction", "has_template_mark", "is_demonym",
    "is_role_line", "is_year", "is_yes_no_question", "known", "language_evidence", "languages",
    "measured", "modifier_before", "month_numbers", "months", "name_in", "name_runs",
    "negated", "opens_follow_up", "parse_digits", "quantities",
    "question_type", "question_words", "role_label", "same_name", "starts_no", "starts_yes",
    "stem", "stems", "stopwords", "strip_possessive", "unit_after", "weekday_names", "words",
]
