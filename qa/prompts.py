"""Every prompt and fixed phrase of the answerer, in both languages, in one place.

The short-answer prompt is built for a 1.5B model on 2 CPU cores: a narrow task (turn one or
two given sentences into a few words in the asker's language), a system prompt and examples
that never change (llama.cpp reuses their cached prefix, so only the sentences and the
question are processed per request), and "NONE" as the one way to decline.
"""

from __future__ import annotations

from collections.abc import Sequence

NOT_IN_ARTICLE = {"it": "L'articolo non lo dice.", "en": "The article does not say."}
CLOSEST_PASSAGES = {"it": "Ecco i passaggi più vicini che ho trovato.",
                    "en": "These are the closest passages I found."}
# (answer language, article language) -> words before a quote in the other language.
QUOTE_INTRO = {("en", "it"): "The article says (in Italian): ",
               ("it", "en"): "L'articolo dice (in inglese): "}
FROM_ARTICLE = {"it": "da «{title}»", "en": "from “{title}”"}
# Shown instead of a short answer the reader is not confident of: the quote follows.
UNSURE_SHORT_ANSWER = {"it": "Non sono sicuro di una risposta breve: ecco le parole "
                             "dell'articolo.",
                       "en": "I am not sure of a short answer; here are the article's words."}
DECLINE_WORD = "NONE"

SHORT_ANSWER_SYSTEM = (
    "You answer a question about a news article from one or two numbered sentences of it. "
    "Reply with the short answer only: the name, number, date, place or few words that "
    "answer the question (at most 12 words), then the sentence number in brackets. Copy "
    "names and numbers from the sentence. Write in the language asked for, translating the "
    "sentence's words if needed. If the sentences do not answer the question, reply: NONE")

# Fixed examples (user, assistant): they teach the format, translation of numbers and
# manners, answering with the new fact rather than the question's own words, and NONE. They
# come from an invented text that is in no question set and is not a bundled article.
SHORT_ANSWER_EXAMPLES = [
    ("[1] La biblioteca civica di Borgo Alto ha riaperto lunedì, dopo lavori durati una "
     "decina di settimane.\nQuestion: How long did the works on the library last?\n"
     "Answer in English.", "About ten weeks [1]"),
    ("[1] L'assessora Marta Rinaldi, in videocollegamento, ha promesso 240 mila euro per il "
     "tetto del teatro.\nDomanda: Quanti soldi sono stati promessi per il teatro?\n"
     "Rispondi in italiano.", "240 mila euro [1]"),
    ("[1] L'assessora Marta Rinaldi, in videocollegamento, ha promesso 240 mila euro per il "
     "tetto del teatro.\nQuestion: How did the councillor take part?\nAnswer in English.",
     "By video link [1]"),
    ("[1] La passerella sul torrente è stata disegnata dall'ingegnera Carla Neri con "
     "l'architetto Luca Bassi.\nQuestion: Who designed the footbridge with Carla Neri?\n"
     "Answer in English.", "Luca Bassi, the architect [1]"),
    ("[1] La passerella sul torrente fu aperta nel 1998, dopo due anni di cantiere.\n"
     "Domanda: Quanto è costata la passerella?\nRispondi in italiano.", DECLINE_WORD),
]


_QUESTION_WORD = {"it": "Domanda", "en": "Question"}


def _numbered(sentences: Sequence[str]) -> str:
    return "\n".join(f"[{i}] {s}" for i, s in enumerate(sentences, start=1))


def _glossed(question: str, glosses: Sequence[tuple[str, str]]) -> str:
    """The question with its glosses after it: "Who chaired it? (chaired = presieduto)"."""
    if not glosses:
        return question
    return f"{question} ({'; '.join(f'{a} = {b}' for a, b in glosses)})"


def short_answer_request(question: str, sentences: list[str], language: str,
                         glosses: Sequence[tuple[str, str]] = ()) -> str:
    """The per-question part of the prompt: numbered sentences, the question, the language.
    ``glosses``: (question word, the sentences' word for it) pairs, written after the question
    when it is in another language than the sentences: the small model reads across languages
    when the question's key words meet the sentence's words, and guesses when they do not."""
    reply_in = "Rispondi in italiano." if language == "it" else "Answer in English."
    return f"{_numbered(sentences)}\n{_QUESTION_WORD[language]}: {_glossed(question, glosses)}\n" \
        f"{reply_in}"


# The LLM as a chooser (``qa.chooser``): it answers with one letter, the option that answers;
# the last option is always "none of these". A letter is one token, so the reply costs nothing
# and its probability is the LLM's vote, weighed by the reader (``qa.reader``).
CHOICE_SYSTEM = (
    "You read numbered sentences from a news article and a question about them. Choose the "
    "option that answers the question according to the sentences. If no option answers it, "
    "choose the last option. Reply with the letter only.")
OPTION_LETTERS = "ABCDEFGH"
NONE_OF_THESE = {"it": "nessuna di queste", "en": "none of these"}
_OPTIONS_WORD = {"it": "Opzioni", "en": "Options"}


def choice_request(question: str, sentences: list[str], options: Sequence[str],
                   language: str, glosses: Sequence[tuple[str, str]] = ()) -> str:
    """Numbered sentences, the question (glossed as in ``short_answer_request``), and the
    lettered options followed by "none of these"."""
    if len(options) >= len(OPTION_LETTERS):
        raise ValueError(f"at most {len(OPTION_LETTERS) - 1} options")
    lettered = [f"{OPTION_LETTERS[k]}) {text}" for k, text in
                enumerate([*options, NONE_OF_THESE[language]])]
    return (f"{_numbered(sentences)}\n{_QUESTION_WORD[language]}: {_glossed(question, glosses)}\n"
            f"{_OPTIONS_WORD[language]}:\n" + "\n".join(lettered))
