"""Index build / persist / reload / staleness, and retrieval quality on the article."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from articleqa.index.article_index import IndexCorruptError, IndexStaleError
from articleqa.index.build import add_articles, build_index, load_index
from articleqa.index.corpus import safe_file_name
from articleqa.index.embeddings import E5Embedding, load_embed_model, minilm_path
from articleqa.index.persist import current_version
from articleqa.qa.retrieval import PassageRetriever
from tests.conftest import fresh_settings

HEALEY_CHAIR = "Healey ha presieduto oggi la riunione di un’altra formazione"
DMITRIEV = "Witkoff ha incontrato a San Pietroburgo Kirill Dmitriev"


def _rank_of(passages, evidence: str) -> int | None:
    return next((p.rank for p in passages if evidence in p.text), None)


@pytest.mark.parametrize("question,evidence,worst_rank", [
    ("Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?", HEALEY_CHAIR, 1),
    ("Who chaired the Ukraine Defence Contact Group meeting?", HEALEY_CHAIR, 3),
    ("Chi ha incontrato Witkoff a San Pietroburgo?", DMITRIEV, 1),
    ("Who did Witkoff meet in St Petersburg?", DMITRIEV, 3),
])
def test_dense_search_ranks_the_answering_passage_high(retriever, question, evidence, worst_rank):
    passages = retriever.retrieve(question, "dense")
    rank = _rank_of(passages, evidence)
    assert rank is not None and rank <= worst_rank, [p.text[:60] for p in passages]


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_bm25_and_hybrid_find_the_italian_passage(retriever, mode):
    passages = retriever.retrieve("Chi ha presieduto il Gruppo di contatto per l'Ucraina?", mode)
    assert _rank_of(passages, HEALEY_CHAIR) in (1, 2)
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))


class CountingE5(E5Embedding):
    """Counts passage embeddings, to prove a reload embeds no text."""

    text_calls: int = 0

    def _get_text_embeddings(self, texts):
        self.text_calls += len(texts)
        return super()._get_text_embeddings(texts)

    def _get_text_embedding(self, text):
        self.text_calls += 1
        return super()._get_text_embedding(text)


def test_reload_gives_identical_results_without_embedding_any_text(index_settings, article_index,
                                                                   retriever):
    counting = CountingE5(model_name="multilingual-e5-small")
    reloaded = load_index(index_settings, embed_model=counting)
    again = PassageRetriever(reloaded, top_k=5)
    for question in ("Quanti membri conta il gruppo Ramstein?", "What did Trump write on Truth?"):
        before = [(p.id, round(p.score, 5)) for p in retriever.retrieve(question)]
        after = [(p.id, round(p.score, 5)) for p in again.retrieve(question)]
        assert before == after
    assert counting.text_calls == 0
    assert reloaded.sources.keys() == article_index.sources.keys()


def test_changed_embedding_model_or_chunking_marks_the_index_stale(index_settings, article_index):
    other_model = index_settings.model_copy(update={"embed_model": "all-MiniLM-L6-v2"})
    with pytest.raises(IndexStaleError, match="all-MiniLM-L6-v2.*articleqa index --rebuild"):
        load_index(other_model)
    other_chunks = index_settings.model_copy(update={"window_sentences": 3})
    with pytest.raises(IndexStaleError, match="chunking"):
        load_index(other_chunks)


def test_changed_corpus_marks_the_index_stale(tmp_path, e5):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Prima notizia. Il gatto dorme sul divano.", encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus)
    build_index(settings, embed_model=e5)
    (corpus / "a.txt").write_text("Seconda notizia. Il cane abbaia.", encoding="utf-8")
    with pytest.raises(IndexStaleError, match="changed: a.txt"):
        load_index(settings, embed_model=e5)


def test_a_damaged_faiss_file_gives_a_clear_error(tmp_path, e5, index_settings, article_index):
    settings = fresh_settings(tmp_path)
    shutil.copytree(index_settings.resolved_index_dir(), settings.resolved_index_dir())
    faiss_file = current_version(settings.resolved_index_dir()) / "default__vector_store.json"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexCorruptError, match="default__vector_store.json.*--rebuild"):
        load_index(settings, embed_model=e5)


def test_adding_articles_is_idempotent_and_stays_inside_the_data_dir(tmp_path, e5):
    settings = fresh_settings(tmp_path)
    index = build_index(settings, embed_model=e5)
    before = index.manifest.chunk_count
    story = "Notizia di prova. Il sindaco di Trento ha inaugurato un ponte di legno rosso."
    index, report = add_articles(settings, [("../../evil/../ponte.txt", story.encode())],
                                 embed_model=e5)
    assert report.added == ["ponte.txt"] and report.chunks_added >= 1
    assert (index.version_dir / "articles" / "ponte.txt").read_text() == story
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"], "nothing written outside"
    index, again = add_articles(settings, [("copy.txt", story.encode())], embed_model=e5)
    assert again.duplicates == ["copy.txt"] and not again.added
    assert index.manifest.chunk_count == before + report.chunks_added
    found = PassageRetriever(index).retrieve("Chi ha inaugurato il ponte di legno?")[0]
    assert found.source == "ponte.txt" and "sindaco di Trento" in found.text
    # The reloaded index (fresh process view) has the new article too.
    assert "ponte.txt" in load_index(settings, embed_model=e5).sources


def test_safe_file_name_strips_directories_and_odd_characters():
    assert safe_file_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_file_name("/abs/path/Notizia (1).TXT") == "Notizia _1.txt"
    assert safe_file_name("..\\..\\x.md") == "x.md"
    assert safe_file_name(".hidden.txt") == "hidden.txt"


def test_sentence_transformers_path_embeds_and_retrieves_with_minilm(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "en.txt").write_text(
        "City news\nThe mayor opened a new library on Monday. "
        "The football team lost the final in extra time. "
        "Heavy rain flooded the main square during the night.", encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus, embed_model="all-MiniLM-L6-v2",
                              window_sentences=1)
    model = load_embed_model("all-MiniLM-L6-v2")
    assert "HuggingFaceEmbedding" in type(model).__name__
    assert (minilm_path() / "config.json").exists()
    index = build_index(settings, embed_model=model)
    assert index.manifest.embed_dim == 384
    top = PassageRetriever(index, top_k=3).retrieve("Which sports match was lost?")[0]
    assert "football team lost" in top.text


def test_cli_search_json_lists_ranked_passages_with_offsets(index_settings, article_index,
                                                            article_text):
    out = subprocess.run(
        [sys.executable, "-m", "articleqa", "search",
         "Chi ha incontrato Witkoff a San Pietroburgo?", "-k", "3", "--json",
         "--index-dir", str(index_settings.resolved_index_dir()),
         "--data-dir", str(index_settings.data_dir)],
        capture_output=True, text=True, timeout=120, check=True)
    rows = json.loads(out.stdout)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert DMITRIEV in rows[0]["text"]
    for row in rows:
        assert article_text[row["start"]:row["end"]] == row["text"]
        assert set(row) == {"rank", "text", "score", "source", "start", "end", "title", "url"}


def test_cli_reports_a_missing_model_without_traceback(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "articleqa", "search", "x", "--data-dir", str(tmp_path),
         "--embed-model", "no-such-org/no-such-model"],
        capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    last_line = out.stderr.strip().splitlines()[-1]
    assert last_line.startswith("error: cannot load embedding model")
    assert "Traceback" not in out.stderr
    assert "ARTICLEQA_ALLOW_DOWNLOAD" in out.stderr


def test_an_ivf_index_is_trained_at_build_keeps_nprobe_on_disk_and_takes_new_articles(
        tmp_path, e5, retriever):
    import faiss

    from articleqa.index.vectors import IVF_NPROBE, ivf_lists

    settings = fresh_settings(tmp_path, ann_threshold=10)  # auto: IVF from 10 chunks up
    index = build_index(settings, embed_model=e5)
    assert index.manifest.faiss_kind == "ivf"
    loaded = load_index(settings, embed_model=e5)
    ivf = faiss.extract_index_ivf(loaded.vector_index.vector_store.client)
    assert ivf.is_trained and ivf.nprobe == IVF_NPROBE
    assert ivf.ntotal == index.manifest.chunk_count
    assert ivf.nlist == ivf_lists(index.manifest.chunk_count)
    # With every list probed (a small corpus), IVF is exact: the flat index's top-5.
    question = "Chi ha incontrato Witkoff a San Pietroburgo?"
    assert [p.id for p in PassageRetriever(loaded).retrieve(question)] == \
        [p.id for p in retriever.retrieve(question)]
    story = "Notizia di prova. Il sindaco di Trento ha inaugurato un ponte di legno rosso."
    index, report = add_articles(settings, [("ponte.txt", story.encode())], embed_model=e5)
    assert report.added == ["ponte.txt"]
    found = PassageRetriever(index).retrieve("Chi ha inaugurato il ponte di legno?")[0]
    assert found.source == "ponte.txt"
