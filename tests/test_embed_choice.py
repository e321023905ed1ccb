"""The embedder choice (e5 | embeddinggemma | e5+embeddinggemma): settings, the manifest, the
fused similarity and retrieval. Fused plumbing runs on two small fake models; the one
EmbeddingGemma test is skipped unless `articleqa models install embeddinggemma` has run."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from articleqa.choices import EmbedModel
from articleqa.index import fusion
from articleqa.index.article_index import IndexStaleError
from articleqa.index.build import build_index, load_index
from articleqa.index.embeddings import EmbeddingModelError, FusedEmbedding, load_embed_model
from articleqa.index.model_install import EMBEDDINGGEMMA, is_installed
from articleqa.index.text import sentence_spans
from articleqa.qa.answerer import Answerer
from articleqa.qa.retrieval import PassageRetriever
from articleqa.settings import Settings, default_model_cache_dir
from tests.conftest import fresh_settings

# ---------------------------------------------------------------- settings and manifest


@pytest.mark.parametrize("given,choice,manifest", [
    ("e5", EmbedModel.E5, "multilingual-e5-small"),
    ("multilingual-e5-small", EmbedModel.E5, "multilingual-e5-small"),
    ("EmbeddingGemma", EmbedModel.EMBEDDINGGEMMA, "embeddinggemma-300m"),
    (" e5+embeddinggemma ", EmbedModel.E5_EMBEDDINGGEMMA,
     "multilingual-e5-small+embeddinggemma-300m"),
    ("all-MiniLM-L6-v2", None, "all-MiniLM-L6-v2"),
])
def test_the_embedder_is_read_from_the_environment_by_name(monkeypatch, given, choice,
                                                           manifest):
    monkeypatch.setenv("ARTICLEQA_EMBED_MODEL", given)
    settings = Settings()
    assert settings.embed_model == (choice or given)
    assert settings.embed_signature() == manifest


def test_the_default_embedder_is_e5_with_its_calibrated_thresholds():
    settings = Settings()
    assert settings.embed_model == EmbedModel.E5
    assert settings.similarity_thresholds() == {}, "e5 keeps AnswerabilityPolicy's defaults"
    assert Settings(abstain_min_similarity=0.9).similarity_thresholds() == {
        "min_similarity_same": 0.9}


def test_an_index_built_with_e5_is_stale_for_another_embedder(index_settings, article_index):
    assert article_index.manifest.embed_model == "multilingual-e5-small"
    for other in ("embeddinggemma", "e5+embeddinggemma"):
        settings = index_settings.model_copy(update={"embed_model": other})
        with pytest.raises(IndexStaleError, match=re.escape(settings.embed_signature())):
            load_index(settings)


def test_a_missing_embeddinggemma_names_the_install_command(tmp_path):
    for name in ("embeddinggemma", "e5+embeddinggemma"):
        with pytest.raises(EmbeddingModelError, match="articleqa models install embeddinggemma"):
            load_embed_model(name, cache_dir=tmp_path / "empty")


# ---------------------------------------------------------------- fused similarity


def _with_cosines(cosines: list[float], dim: int = 4) -> np.ndarray:
    """Unit vectors whose cosine to e0 is each of ``cosines``."""
    rows = np.zeros((len(cosines), dim), np.float32)
    rows[:, 0] = cosines
    rows[:, 1] = np.sqrt(1 - np.square(cosines))
    return rows


def _fused(first: list[float], second: list[float]) -> np.ndarray:
    return np.hstack([_with_cosines(first), _with_cosines(second)]) / np.sqrt(2)


QUERY = np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32) / np.sqrt(2)
# Model 1 has e5's flat spread and prefers the third candidate; model 2 spreads wide and
# prefers the second. A plain sum of cosines follows model 2; the z-score sum hears both.
FIRST, SECOND = [0.78, 0.80, 0.84], [0.20, 0.50, 0.42]


def test_fused_similarity_sums_per_model_z_scores_not_raw_cosines():
    vectors = _fused(FIRST, SECOND)
    raw = np.add(FIRST, SECOND)
    fused = fusion.similarities(QUERY, vectors, (4, 4), reference=vectors)
    z = [(np.array(c) - np.mean(c)) / np.std(c) for c in (FIRST, SECOND)]
    assert int(np.argmax(raw)) == 1 and int(np.argmax(fused)) == 2
    assert np.argsort(fused).tolist() == np.argsort(z[0] + z[1]).tolist()
    # On a cosine-like scale: the mean of the models' means plus their mean spread times z.
    expected = np.mean([np.mean(FIRST), np.mean(SECOND)]) + \
        np.mean([np.std(FIRST), np.std(SECOND)]) * (z[0] + z[1]) / 2
    assert np.allclose(fused, expected, atol=1e-5)


def test_one_model_similarity_is_the_plain_cosine():
    vectors = _with_cosines(FIRST)
    assert np.allclose(fusion.similarities(np.array([1, 0, 0, 0], np.float32), vectors, None),
                       FIRST, atol=1e-6)


def test_the_weighted_retrieval_query_ranks_stored_vectors_by_the_z_score_sum():
    stored = _fused(FIRST, SECOND)
    weighted = fusion.retrieval_query(QUERY, (4, 4), reference=stored)
    assert abs(float(np.linalg.norm(weighted)) - 1) < 1e-5
    assert np.argsort(stored @ weighted).tolist() == \
        np.argsort(fusion.similarities(QUERY, stored, (4, 4), stored)).tolist()
    assert int(np.argmax(stored @ QUERY)) == 1, "unweighted, the wide model decides"


# ---------------------------------------------------------------- fused index, end to end


class HashingEmbedding(BaseEmbedding):
    """A tiny bag-of-words model: each word adds 1 to a hashed dimension (``salt`` makes two
    of them disagree). Counts the texts it embeds."""

    dim: int = 32
    salt: str = ""
    texts: int = 0

    def _vector(self, text: str) -> list[float]:
        vector = np.zeros(self.dim, np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.sha256((self.salt + word[:5]).encode()).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dim] += 1
        return (vector / (np.linalg.norm(vector) or 1)).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        self.texts += 1
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


STORIES = {
    "lago.txt": "Notizie dal lago\nIl sindaco di Como ha aperto un nuovo porto sul lago. "
                "La regata di domenica è stata vinta da una squadra svizzera. "
                "Il traghetto delle otto è stato cancellato per il vento forte.",
    "monte.txt": "Notizie dal monte\nUna frana ha chiuso la strada del passo per tre giorni. "
                 "I rifugi riaprono a giugno con nuovi letti. "
                 "La funivia resta ferma per la manutenzione delle funi.",
}


@pytest.fixture()
def fused_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in STORIES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus, embed_model="e5+embeddinggemma",
                              answer_mode="extractive")
    model = FusedEmbedding([HashingEmbedding(dim=32, salt="a"),
                            HashingEmbedding(dim=48, salt="b")])
    return settings, model, build_index(settings, embed_model=model)


def test_a_fused_index_records_the_model_and_stores_every_sentence(fused_index):
    settings, model, index = fused_index
    assert index.manifest.embed_model == "multilingual-e5-small+embeddinggemma-300m"
    assert index.manifest.embed_dim == 32 + 48
    expected = sum(len(sentence_spans(s.text)) for s in index.sources.values())
    assert len(index.sentences) == expected
    assert index.sentences.vectors.shape == (expected, 80)
    reloaded = load_index(settings, embed_model=model)
    assert reloaded.sentences.keys == index.sentences.keys
    assert np.array_equal(reloaded.sentences.vectors, index.sentences.vectors)


def test_a_fused_embedder_answers_from_stored_sentences_and_finds_the_passage(fused_index):
    settings, model, index = fused_index
    parts = model.parts
    before = [p.texts for p in parts]
    answerer = Answerer(load_index(settings, embed_model=model), settings)
    answer = answerer.answer("Chi ha vinto la regata di domenica?")
    assert [p.texts for p in parts] == before, "no sentence embedded at question time"
    assert not answer.abstained or answer.passages
    top = PassageRetriever(answerer.index, top_k=3).retrieve("regata domenica squadra")[0]
    assert "regata" in top.text
    scored = answerer.scorer.score("regata domenica squadra", answerer.retriever.retrieve(
        "regata domenica squadra"))
    assert "regata" in scored[0].text


# ---------------------------------------------------------------- the real EmbeddingGemma

needs_gemma = pytest.mark.skipif(
    not is_installed(EMBEDDINGGEMMA, default_model_cache_dir()),
    reason="EmbeddingGemma-300M is not installed (articleqa models install embeddinggemma)")


@pytest.mark.embeddinggemma
@needs_gemma
def test_embeddinggemma_ranks_the_italian_sentence_that_answers_an_english_question():
    model = load_embed_model("embeddinggemma")
    sentences = ["Il ponte sul fiume resterà chiuso per lavori fino alla fine di settembre.",
                 "La squadra di pallavolo di Trento ha vinto il campionato regionale."]
    question = "Which volleyball team won the regional championship?"
    documents = np.asarray(model.get_text_embedding_batch(sentences))
    query = np.asarray(model.get_query_embedding(question))
    assert documents.shape == (2, 768)
    scores = documents @ query
    assert int(np.argmax(scores)) == 1, scores
