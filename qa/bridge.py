"""The bridge between an asker's language and the article's: which words of the sentences
translate the question's words.

An English question over an Italian article shares almost no word with the sentence that
answers it ("Who chaired the meeting?" / "…ha presieduto la riunione…"), so every feature that
counts shared words or measures distance to them is blind across languages. The multilingual
embedder already places a word and its translation close together: a question word is glossed
by the sentence word nearest to it, when that one is near enough. No bilingual word list ships
with enough words (Debian's FreeDict English-Italian has 4,500 headwords, without "soldier",
"council" or any inflected form), and the embedder is loaded anyway; its word vectors are
cached, so an article's words are embedded once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from articleqa.lang import content_tokens, fold, language_evidence, stem

# Cosine of two single-word e5 query vectors above which the nearer is taken for a translation
# (a word and its translation: 0.87-0.98; the best unrelated word of a sentence: 0.84-0.89).
MIN_SIMILARITY = 0.87
MIN_LETTERS = 3  # shorter words (articles' leftovers, "UE") carry no meaning worth a vector

WordVectors = Callable[[list[str]], "np.ndarray | None"]


def translations(question: str, sentences: list[str], vectors: WordVectors
                 ) -> list[tuple[str, str, str]]:
    """(question word, its key as ``lang.content_words(question)`` has it, the sentence word
    that translates it, as written) for each content word of ``question`` that the sentences
    do not already hold and whose nearest word in them is near enough. Names are left out:
    they meet as names."""
    tokens = content_tokens(question, language_evidence(question))
    asked = [(word, key) for word, key in tokens if _glossable(word)]
    # A sentence word the question itself holds ("il meeting odierno" for "…the meeting?")
    # is that word, not the translation of another one.
    own = {form for word, key in tokens for form in (fold(word), key, stem(word))}
    written: dict[str, str] = {}
    present: set[str] = set()  # what the sentences already share with the question
    for sentence in sentences:
        for word, key in content_tokens(sentence):
            present.update((fold(word), key, stem(word)))
            if _glossable(word) and not {fold(word), key, stem(word)} & own:
                written.setdefault(fold(word), word)
    asked = [(word, key) for word, key in asked
             if not {fold(word), key, stem(word)} & present]
    said = list(written)
    if not asked or not said:
        return []
    matrix = vectors([fold(word) for word, _ in asked] + said)
    if matrix is None:
        return []
    similarity = matrix[:len(asked)] @ matrix[len(asked):].T
    out = []
    for (word, key), row in zip(asked, similarity, strict=True):
        best = int(np.argmax(row))
        if row[best] >= MIN_SIMILARITY:
            out.append((word, key, written[said[best]]))
    return out


def gloss(question: str, sentences: list[str], vectors: WordVectors) -> Mapping[str, str]:
    """For each word of ``sentences`` that translates a content word of ``question``: the word,
    folded (``lang.fold``) -> that question word's key (the first, when it translates two)."""
    out: dict[str, str] = {}
    for _, key, said in translations(question, sentences, vectors):
        out.setdefault(fold(said), key)
    return out


def _glossable(word: str) -> bool:
    return len(word) >= MIN_LETTERS and word.isalpha() and not word[:1].isupper()
