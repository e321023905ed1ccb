"""The article's text is repaired without losing a word, and chunks point at exact spans."""

from __future__ import annotations

import re

import pytest
from llama_index.core import Document

from articleqa.index.chunking import sentence_windows, splitter_chunks
from articleqa.index.cleaning import clean_article_text
from articleqa.index.text import MAX_SENTENCE_CHARS, detect_language, sentence_spans
from tests.conftest import ARTICLE

RAW = ARTICLE.read_text(encoding="utf-8")


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_cleaning_only_adds_white_space_and_drops_the_read_more_footer():
    cleaned = clean_article_text(RAW)
    assert RAW.rstrip().endswith("LEGGI TUTTO") and "LEGGI TUTTO" not in cleaned
    assert _no_space(cleaned) == _no_space(RAW.rstrip()[: -len("LEGGI TUTTO")])


def test_glued_sentences_captions_and_embedded_post_are_separated():
    cleaned = clean_article_text(RAW)
    assert "Vecchio continente. Ad esempio" in cleaned
    assert "mossa“. Le trattative" in cleaned
    # Captions stay, on a line of their own, so a question about the photo still finds them.
    assert "Kaja Kallas (foto: European Council)\nUn’osservazione" in cleaned
    assert "Steve Witkoff (foto: Mandel Ngan/Afp)\nIl portavoce" in cleaned
    # The embedded post keeps its text and signature; the next sentence starts a new line.
    assert "We stand by Ukraine in the fight" in cleaned
    assert "— John Healey (@JohnHealey_MP) April 10, 2025\nSia come sia" in cleaned
    sentences = [cleaned[s.start:s.end] for s in sentence_spans(cleaned)]
    assert "Mancando quest’ultimo, è difficile per i vertici militari elaborare piani precisi." \
        in sentences



def test_initials_are_not_sentence_ends_and_cleaning_leaves_them_alone():
    text = "The U.S. Army said so. Then J. Healey left."
    assert clean_article_text(text) == text + "\n"
    assert [text[s.start:s.end] for s in sentence_spans(text)] == [
        "The U.S. Army said so.", "Then J. Healey left."]


def test_a_line_without_punctuation_is_cut_into_bounded_sentences():
    text = "parola " * 20_000
    spans = sentence_spans(text)
    assert max(s.end - s.start for s in spans) <= MAX_SENTENCE_CHARS
    assert "".join(text[s.start:s.end] for s in spans).replace(" ", "") == \
        text.replace(" ", ""), "no character lost"


@pytest.mark.parametrize("chunk,size,overlap", [(sentence_windows, 2, 1), (sentence_windows, 3, 3),
                                                (splitter_chunks, 64, 16),
                                                (splitter_chunks, 256, 0)])
def test_chunk_offsets_slice_the_source_and_no_text_is_lost(chunk, size, overlap):
    text = clean_article_text(RAW)
    document = Document(text=text, id_="a", metadata={"source": "a.txt"})
    nodes = chunk([document], size, overlap)
    covered = [False] * len(text)
    for node in nodes:
        assert text[node.start_char_idx:node.end_char_idx] == node.text
        assert node.metadata["source"] == "a.txt"
        for i in range(node.start_char_idx, node.end_char_idx):
            covered[i] = True
    lost = "".join(ch for ch, hit in zip(text, covered, strict=True) if not hit)
    assert lost.strip() == "", f"text not in any chunk: {lost!r}"


def test_language_detection_for_questions_and_article():
    assert detect_language("Chi ha presieduto la riunione?") == "it"
    assert detect_language("Perché?") == "it"
    assert detect_language("Who chaired the meeting?") == "en"
    assert detect_language(RAW) == "it"
