"""Text that speaks to an assistant instead of to a reader: instructions planted in an article.

Found by role, not by a list of sentences. A line or sentence is planted when it
- starts with a chat role's label ("SYSTEM:", "Assistente:", "[INST]", "### Instruction",
  "Nota per l'assistente:") or a chat template's token (``<|im_start|>``): :func:`role_label`;
- or, wherever it stands (:func:`has_instruction`):
  a. tells its reader to drop its rules: an override verb in the imperative (at the start of a
     clause, after "please", "now", "and" …) with a rule noun a few words on, and a word saying
     which rules (previous, all, your, "finora" …) or whom it speaks to ("Disregard all prior
     directions", "Dimentica le indicazioni ricevute finora");
  b. tells its reader who it is: "you are", "sei", "act as" a few words from an assistant, a
     model, a chatbot or a mode ("you are now in developer mode", "sei ora un chatbot");
  c. tells its reader how to answer: a reply verb in the imperative with "always", "only",
     "from now on" or "every question" ("Reply only with …", "Rispondi sempre …");
  d. states "the answer to every question is …" ("la risposta a ogni domanda è …").
The words are the language modules' (``Language`` fields from ``role_markers`` to
``speech_verbs``); this module only combines them, for every language at once.

Quoted speech: an imperative or second-person sentence inside quotation marks, in a sentence
whose words outside the quotes report someone saying it ("«Ignorate le indicazioni
precedenti», ha detto il ministro"), is a person's words reported by the article, not an
instruction to us: a, b and c are not applied inside it. Role labels and d are applied
everywhere, and a quote is not exempt when the one said to speak it is an assistant ("…",
says the AI).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from articleqa.lang.base import fold, fold_aligned
from articleqa.lang.numbers import quantities
from articleqa.lang.phrases import alternation, field_values

# Chat template tokens: the same in every language, never in a news article.
_TEMPLATE_MARKS = re.compile(r"<\|[a-z_]{2,24}\|>|\[/?inst\]|<</?sys>>|<(?:start|end)_of_turn>",
                             re.IGNORECASE)
# Markup a label may sit in: "### Instruction", "**System:**", "[SYSTEM]", "<user>", "> AI:".
_LABEL_OPEN = r"^(?P<open>[\s#>*_\-–—•|]*(?P<bracket>[\[<])?)\s*"
_LABEL_CLOSE = r"(?P<close>[\s*_]*:|\s*[\]>]|\s*$)"
# Where an imperative can stand: the start, or after a clause mark, and "please", "now" …
_CLAUSE_START = r"(?:^|(?<=[.!?;:,()\[\]«»“”\"–—\n]))\W*"
_SAID_WORDS = 5  # words between a verb and its object ("ignore all of the prior directions")
_NEAR_WORDS = 3  # words between "you are" and "an assistant" ("you are now in developer mode")
_NEAR = re.compile(rf"(?:[^\w.!?;\n]+\w+){{0,{_NEAR_WORDS}}}[^\w.!?;\n]+")


class Label(StrEnum):
    """What a label at the start of a line or sentence makes of the text after it."""

    TURN = "turn"  # a chat role speaks: the rest of the line is its turn
    EXCHANGE = "exchange"  # "Domanda:", "Q:": this sentence only
    HEADING = "heading"  # a label alone on its line ("### Instruction"): the next line too


def _words(field: str) -> str:
    """The phrases of ``field`` of every language, as one regex. It starts with a lookahead
    for their first letters, which spares trying every phrase at every position (10x faster:
    each sentence of every article is checked)."""
    phrases = field_values(field)
    firsts = {alternative[:1] for phrase in phrases
              for alternative in fold(phrase).lstrip("^").split()[0].split("|")}
    if any(not ch.isalnum() for ch in firsts):  # "*…", "<clock>", "'…": no single first letter
        return alternation(phrases)
    return f"(?=[{''.join(sorted(firsts))}])" + alternation(phrases)


def _gap(most: int) -> str:
    """Up to ``most`` words between two parts, on one clause of a sentence."""
    return rf"(?:[^\w.!?;\n]+\w+){{0,{most}}}?[^\w.!?;\n]+"


@cache
def _label_pattern(field: str) -> re.Pattern[str]:
    return re.compile(_LABEL_OPEN + _words(field) + _LABEL_CLOSE)


def role_label(text: str) -> Label | None:
    """The label ``text`` (a line or a sentence) starts with, if any."""
    folded = fold_aligned(text)
    mark = _TEMPLATE_MARKS.search(folded)
    if mark and not folded[:mark.start()].strip(" #>*_-"):
        rest = folded[mark.end():].split()  # "<|im_start|>system": the turn is the next line
        return Label.HEADING if len(rest) <= 1 else Label.TURN
    for field, label in (("role_markers", Label.TURN), ("exchange_markers", Label.EXCHANGE)):
        match = _label_pattern(field).match(folded)
        if match is None:
            continue
        close, bracket = match.group("close").strip(" *_"), match.group("bracket")
        if close in ("]", ">") and bracket != ("[" if close == "]" else "<"):
            continue
        rest = folded[match.end():].strip(" *_")
        if not close:  # no colon nor bracket: only a heading alone on its line is a label
            if "#" in match.group("open") and not rest:
                return Label.HEADING
            continue
        return Label.HEADING if not rest else label
    return None


def is_role_line(text: str) -> bool:
    """"Utente: …", "SYSTEM: …", "[INST] …": the text speaks as a chat role (or as the
    questions and answers of an exchange)."""
    return role_label(text) is not None


def has_template_mark(text: str) -> bool:
    """A chat template's token anywhere in ``text`` (``<|im_start|>``, ``[INST]``)."""
    return bool(_TEMPLATE_MARKS.search(text))


class _Kind(StrEnum):
    OVERRIDE = "override"  # a
    ADDRESSED = "addressed"  # b
    REPLY = "reply"  # c
    CLAIM = "claim"  # d


_SPEECH = (_Kind.OVERRIDE, _Kind.ADDRESSED, _Kind.REPLY)  # what a person may be quoted saying


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    leads = rf"(?:{_words('imperative_leads')}\W+)*"
    imperative = _CLAUSE_START + leads
    claim_end = rf"(?:\s+\w+){{0,2}}\s*(?:{_words('copulas')}|[:=])"
    return {
        "override": re.compile(imperative + rf"(?P<verb>{_words('override_verbs')})"
                               + _gap(_SAID_WORDS) + _words("rule_nouns")),
        "scope": re.compile(_words("rule_scopes")),
        "addressee": re.compile(_words("addressees")),
        "you": re.compile(_words("second_person")),
        "reply": re.compile(imperative + rf"(?P<verb>{_words('reply_verbs')})"),
        "manner": re.compile(rf"{_words('reply_manners')}|{_words('any_question')}"),
        "claim": re.compile(
            rf"{_words('answer_words')}(?:\s+\w+){{0,2}}\s+{_words('any_question')}{claim_end}"
            rf"|{_words('any_question')}[^.!?;\n]{{0,60}}?{_words('answer_words')}{claim_end}"),
        "speech": re.compile(_words("speech_verbs")),
    }


def _addressees(folded: str, text: str) -> list[tuple[int, int]]:
    """Where ``text`` names an assistant; an acronym of three letters or fewer counts only in
    capitals ("AI", not the Italian "ai" of "ai soldati")."""
    return [(m.start(), m.end()) for m in _patterns()["addressee"].finditer(folded)
            if m.end() - m.start() > 3 or text[m.start():m.end()].isupper()]


def _matches(folded: str, text: str) -> list[tuple[_Kind, int, int]]:
    """Each part of a, b, c, d found in ``folded`` (``text`` folded, offsets kept)."""
    p = _patterns()
    found: list[tuple[_Kind, int, int]] = []
    addressees = _addressees(folded, text)
    for match in p["override"].finditer(folded):
        after = folded[match.start("verb"):]
        if p["scope"].search(after) or p["you"].search(after) or addressees:
            found.append((_Kind.OVERRIDE, match.start("verb"), match.end()))
    yous = list(p["you"].finditer(folded)) if addressees else []
    if yous:
        numbers = [(q.start, q.end) for q in quantities(text)]  # "sei chatbot" is six of them
        for you in yous:
            if any(s < you.end() and you.start() < e for s, e in numbers):
                continue
            for start, end in addressees:
                first, second = sorted([(you.start(), you.end()), (start, end)])
                if _NEAR.fullmatch(folded, first[1], second[0]):
                    found.append((_Kind.ADDRESSED, first[0], second[1]))
    replies = list(p["reply"].finditer(folded))
    if replies and p["manner"].search(folded):
        found += [(_Kind.REPLY, m.start("verb"), m.end()) for m in replies]
    found += [(_Kind.CLAIM, m.start(), m.end()) for m in p["claim"].finditer(folded)]
    return found


_QUOTES = re.compile(r"«[^»]*(?:»|$)|“[^”]*(?:”|$)|\"[^\"]*(?:\"|$)")


def _reported_speech(folded: str, text: str) -> list[tuple[int, int]]:
    """The quoted parts of a sentence whose other words say that someone (not an assistant)
    said them; none when nobody is said to speak."""
    quoted = [(m.start(), m.end()) for m in _QUOTES.finditer(folded)]
    if not quoted:
        return []
    outside = folded
    for start, end in quoted:
        outside = outside[:start] + " " * (end - start) + outside[end:]
    p = _patterns()
    if not p["speech"].search(outside) or _addressees(outside, text):
        return []
    return quoted


def has_instruction(text: str) -> bool:
    """``text`` (a sentence) instructs an assistant: a, b, c or d of the module docstring, or
    a chat template's token."""
    if has_template_mark(text):
        return True
    folded = fold_aligned(text)
    found = _matches(folded, text)
    if not found:
        return False
    speech = _reported_speech(folded, text)
    return any(kind not in _SPEECH or not any(s <= start and end <= e for s, e in speech)
               for kind, start, end in found)
