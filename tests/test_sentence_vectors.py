"""Every sentence's vector is stored in the index at build time, so answering a question
embeds the question only (sentences used to be embedded per question: ~0.9 s with e5 for a
question about passages the process had not seen)."""

from __future__ import annotations

from articleqa.index.build import add_articles, build_index, load_index
from articleqa.index.text import sentence_spans
from articleqa.qa.answerer import Answerer
from tests.conftest import fresh_settings
from tests.test_index_and_search import CountingE5


def test_answering_embeds_no_sentence_the_index_already_holds(index_settings, article_index):
    counting = CountingE5(model_name="multilingual-e5-small")
    index = load_index(index_settings, embed_model=counting)
    text = next(iter(index.sources.values())).text
    assert len(index.sentences) == len(sentence_spans(text))
    answerer = Answerer(index, index_settings)
    answerer.answer("Cosa ha fatto Healey oggi a Bruxelles?", mode="extractive")
    answerer.answer("Which ministers spoke to the press?", mode="extractive")
    assert counting.text_calls == 0, "sentences come from the index, not the embedder"


def test_added_articles_bring_their_sentence_vectors(tmp_path, e5):
    settings = fresh_settings(tmp_path)
    index = build_index(settings, embed_model=e5)
    before = len(index.sentences)
    story = "Notizia di prova. Il sindaco di Trento ha inaugurato un ponte di legno rosso."
    index, report = add_articles(settings, [("ponte.txt", story.encode())], embed_model=e5)
    assert report.added == ["ponte.txt"]
    added = [k for k in index.sentences.keys if k[0] == "ponte.txt"]
    assert len(added) == len(sentence_spans(index.sources["ponte.txt"].text))
    assert len(index.sentences) == before + len(added)
    assert load_index(settings, embed_model=e5).sentences.keys == index.sentences.keys
