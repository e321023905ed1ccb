"""What a language module provides: the interface every ``lang/<code>.py`` fills in.

A :class:`Language` is data (word lists and phrases) plus a few hooks where a rule cannot be a
list ("sei" is 6 or "you are"). Libraries supply what they already know: Snowball stems each
language (PyStemmer), NLTK's lists are the stop words, babel names months and weekdays,
text2num reads number words. The rest of the code never spells a word of any language: it
asks the helpers in ``articleqa.lang``, which read every registered Language.

Phrases are written as people read them ("in che anno", "perché") and folded when compiled
(see ``articleqa.lang.phrases``): a space separates words, ``a|b`` offers alternatives for one
word, a trailing ``*`` takes any ending ("soprannominat*"), a leading ``*`` any beginning, a
lone ``*`` any one word, ``'`` also matches ``’``, and ``<clock>`` / ``<roman>`` stand for a
clock time ("7.30") and a Roman numeral ("XVIII").
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path

from articleqa.errors import UserError


class AnswerType(StrEnum):
    """What a question asks for."""

    PERSON = "person"
    NUMBER = "number"
    DATE = "date"
    PLACE = "place"
    REASON = "reason"
    OTHER = "other"


class Measure(StrEnum):
    """What a unit measures: "quanto tempo…?" wants a TIME, "how deep…?" a LENGTH."""

    TIME = "time"
    LENGTH = "length"
    MONEY = "money"
    PERCENT = "percent"
    OTHER = "other"


class LanguageDataError(UserError, LookupError):
    """A language, or the data a library ships for it, is missing; the message names the fix."""


_CACHED_FOLD_CHARS = 2000  # sentences and questions repeat from question to question


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Perché' and 'perche' compare equal."""
    if text.isascii():
        return text.lower()
    return _fold_short(text) if len(text) <= _CACHED_FOLD_CHARS else _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_fold_short = lru_cache(maxsize=50_000)(_fold)


def fold_aligned(text: str) -> str:
    """:func:`fold`, one character for one: offsets into the result are offsets into ``text``
    (a character whose folded form is longer, such as "ß" or "ﬁ", is only lower-cased)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    out = []
    for ch in text:
        folded = fold(ch)
        out.append(folded if len(folded) == 1 else (ch.lower() if len(ch.lower()) == 1 else ch))
    return "".join(out)


def _never(previous: str, word: str, following: str) -> bool:
    return False


def _nltk_stopwords(name: str) -> frozenset[str]:
    """NLTK's stop word list for ``name`` ("italian"), from the copy inside llama-index-core."""
    import llama_index.core

    path = (Path(llama_index.core.__file__).parent / "_static" / "nltk_cache" / "corpora"
            / "stopwords" / name)
    try:
        return frozenset(fold(w) for w in path.read_text(encoding="utf-8").split())
    except OSError as exc:
        raise LanguageDataError(f"NLTK's {name} stop words are missing ({path}): reinstall "
                                "llama-index-core, which ships them") from exc


_STEMMERS = threading.local()  # a PyStemmer Stemmer is not safe to share between threads


@lru_cache(maxsize=200_000)
def _snowball(algorithm: str, word: str) -> str:
    stemmers = _STEMMERS.__dict__
    stemmer = stemmers.get(algorithm)
    if stemmer is None:
        import Stemmer

        stemmer = stemmers[algorithm] = Stemmer.Stemmer(algorithm)
    return stemmer.stemWord(word)


@dataclass(frozen=True)
class Language:
    """One language: every word the pipeline needs from it. Fields hold folded or as-written
    phrases (see the module docstring); an empty field means the language has no such rule."""

    code: str  # ISO 639-1, as babel and text2num name it: "it"
    name: str  # as Snowball and NLTK name it: "italian"
    # --- words
    question_words: frozenset[str]  # "chi", "quando": never content, and mark a question
    extra_stopwords: frozenset[str] = frozenset()  # beyond NLTK's list ("secondo", "articolo")
    letters: str = ""  # letters that give the language away in a short text ("àèéìòù")
    # --- what a question asks for
    asks: Mapping[AnswerType, tuple[str, ...]] = field(default_factory=dict)  # outright
    which_words: tuple[str, ...] = ()  # "quale", "which": a type noun may follow
    type_nouns: Mapping[AnswerType, frozenset[str]] = field(default_factory=dict)
    describe: tuple[str, ...] = ()  # "chi è" + a name: asks what someone is, not who
    counts: tuple[str, ...] = ()  # "quanti": the next word is what is counted
    measures: Mapping[Measure, tuple[str, ...]] = field(default_factory=dict)  # "quanto dura"
    # --- numbers (number words themselves: text2num, for ``code``)
    approximations: Mapping[str, int] = field(default_factory=dict)  # "cinquantina": 50
    scales: Mapping[str, float] = field(default_factory=dict)  # "miliardi": 1e9 after digits
    lone_ones: frozenset[str] = frozenset()  # "un", "one": a number only before a scale
    is_verb_not_number: Callable[[str, str, str], bool] = _never  # (previous, word, next)
    units: Mapping[Measure, tuple[str, ...]] = field(default_factory=dict)
    unit_links: tuple[str, ...] = ()  # "di" of "21 miliardi di euro"
    modifiers: tuple[str, ...] = ()  # "circa", "more than": kept with the number
    # --- dates (month and weekday names: babel, for ``code``)
    date_words: tuple[str, ...] = ()  # "ieri", "this morning", "<roman> secolo", "alle <clock>"
    year_links: tuple[str, ...] = ()  # "del" of "marzo del 1827"
    century_names: tuple[str, ...] = ()  # as written, capitalised: "Novecento" is a century
    # --- answers: polarity, declining; names
    negations: tuple[str, ...] = ()  # as written (accents matter: "né" is not "ne")
    yes_words: tuple[str, ...] = ()
    no_words: tuple[str, ...] = ()
    declines: tuple[str, ...] = ()  # a model's "the article does not say"
    name_particles: tuple[str, ...] = ()  # "di" of "Monaco di Baviera", inside a name
    non_names: frozenset[str] = frozenset()  # capitalised in an answer, not a name ("Circa")
    demonym_endings: tuple[str, ...] = ()  # "Swedish": an adjective the language capitalises
    possessive_endings: tuple[str, ...] = ()  # "'s" of "Healey's"
    # --- names in other languages: concept -> this language's names for it (see names.py)
    exonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # --- conversation and safety
    follow_up_openers: tuple[str, ...] = ()  # "e", "and": leans on the previous question
    back_references: frozenset[str] = frozenset()  # "lui", "she": someone named before
    # Text that speaks to an assistant, not to a reader (see ``instructions.py``): found by its
    # role, from these parts, never from a list of whole sentences.
    role_markers: tuple[str, ...] = ()  # "sistema", "assistant": a chat turn, to its line's end
    exchange_markers: tuple[str, ...] = ()  # "domanda", "q": a Q&A label, its sentence only
    addressees: tuple[str, ...] = ()  # "assistente", "chatbot", "developer mode": who is told
    second_person: tuple[str, ...] = ()  # "sei", "you": the text speaks to its reader
    override_verbs: tuple[str, ...] = ()  # "ignora", "disregard": imperatives to drop rules
    rule_nouns: tuple[str, ...] = ()  # "istruzioni", "directions": what is to be dropped
    rule_scopes: tuple[str, ...] = ()  # "precedenti", "so far": the rules given before
    reply_verbs: tuple[str, ...] = ()  # "rispondi", "reply": imperatives to answer
    reply_manners: tuple[str, ...] = ()  # "sempre", "only", "from now on": answer so, always
    imperative_leads: tuple[str, ...] = ()  # "per favore", "now": may come before an imperative
    answer_words: tuple[str, ...] = ()  # "risposta", "answer": the noun (and verb) of answering
    any_question: tuple[str, ...] = ()  # "ogni domanda", "whatever the question"
    copulas: tuple[str, ...] = ()  # "è", "is": "the answer to every question *is* …"
    speech_verbs: tuple[str, ...] = ()  # "ha detto", "said": a quote is someone's speech
    # --- page furniture (as written, matched ignoring case)
    caption_words: tuple[str, ...] = ()  # "(foto: …)"
    read_more: tuple[str, ...] = ()  # "LEGGI TUTTO" at the end of a page
    related_links: tuple[str, ...] = ()  # "Leggi anche: …" paragraphs
    page_words: tuple[str, ...] = ()  # "pagina 3"
    page_of: tuple[str, ...] = ()  # "3 di 12"
    untitled: tuple[str, ...] = ()  # a PDF's placeholder title

    # ------------------------------------------------------------------ from libraries

    @cached_property
    def stopwords(self) -> frozenset[str]:
        """NLTK's list for the language, its question words and its few extras (folded)."""
        return _nltk_stopwords(self.name) | self.question_words | self.extra_stopwords

    def stem(self, word: str) -> str:
        """The Snowball stem of ``word`` (folded first)."""
        return _snowball(self.name, fold(word))

    @cached_property
    def months(self) -> Mapping[str, int]:
        """Folded month names -> 1..12, from babel's locale data."""
        from babel.dates import get_month_names

        return {fold(name): number for number, name in
                get_month_names("wide", locale=self.code).items()}

    @cached_property
    def weekdays(self) -> frozenset[str]:
        """Folded weekday names, from babel's locale data."""
        from babel.dates import get_day_names

        return frozenset(fold(n) for n in get_day_names("wide", locale=self.code).values())
