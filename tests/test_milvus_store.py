"""ARTICLEQA_VECTOR_STORE=milvus on embedded Milvus Lite (no server): same retrieval as FAISS,
text and offsets from the collection, versions that stay immutable, staleness and damage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import ClassVar

import pytest
from llama_index.core.schema import MetadataMode, TextNode

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

from articleqa.index.article_index import IndexCorruptError, IndexStaleError  # noqa: E402
from articleqa.index.build import add_articles, build_index, load_index, open_index  # noqa: E402
from articleqa.index.embeddings import E5Embedding  # noqa: E402
from articleqa.index.persist import read_version  # noqa: E402
from articleqa.index.vector_store import VectorStoreError, release_embedded  # noqa: E402
from articleqa.qa.answerer import Answerer  # noqa: E402
from articleqa.qa.retrieval import PassageRetriever  # noqa: E402
from articleqa.settings import MILVUS_LITE_FILE, Settings  # noqa: E402
from tests.conftest import CORPUS, DEV  # noqa: E402
from tests.test_index_and_search import CountingE5  # noqa: E402

HEALEY_CHAIR = "Healey ha presieduto oggi la riunione di un’altra formazione"
PONTE = "Notizia di prova. Il sindaco di Trento ha inaugurato un ponte di legno rosso."


class CachedE5(E5Embedding):
    """Embeds each chunk text once per test session: several tests build the same article."""

    known: ClassVar[dict[str, list[float]]] = {}

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, super()._get_text_embeddings(missing), strict=True))
        return [self.known[t] for t in texts]


@pytest.fixture(scope="module")
def e5m(article_index) -> CachedE5:
    """multilingual-e5-small that already knows the vectors the session's FAISS index holds
    for the same chunks, so building the article into Milvus embeds nothing again."""
    model = CachedE5(model_name="multilingual-e5-small")
    vectors = article_index.vector_index.vector_store.client  # the faiss.Index
    for position, node_id in article_index.vector_index.index_struct.nodes_dict.items():
        node = article_index.vector_index.docstore.get_node(node_id)
        model.known[node.get_content(metadata_mode=MetadataMode.EMBED)] = \
            vectors.reconstruct(int(position)).tolist()
    return model


def _answerable_questions() -> list[str]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if r["answerable"]]


@pytest.fixture(scope="module")
def milvus_settings(tmp_path_factory, e5m) -> Settings:
    """A Milvus Lite index of the bundled article, built once (tests load it themselves: the
    CLI test closes this process' Lite database so a subprocess can open it)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("milvus"), corpus_dir=CORPUS,
                        vector_store="milvus")
    build_index(settings, embed_model=e5m)
    return settings


def test_reload_gives_the_faiss_top5_with_text_and_offsets_from_the_collection(
        milvus_settings, retriever, e5):
    counting = CountingE5(model_name="multilingual-e5-small")
    load_index(milvus_settings, embed_model=counting)
    assert counting.text_calls == 0, "a reload embeds no text"
    index = load_index(milvus_settings, embed_model=e5)  # shares FAISS' query cache
    version = index.version_dir
    assert not (version / "default__vector_store.json").exists()
    assert len(index.vector_index.docstore.docs) == 0, "text lives in the collection"
    assert (milvus_settings.resolved_index_dir() / MILVUS_LITE_FILE).is_dir()
    assert index.manifest.vector_store == "milvus:lite"
    milvus = PassageRetriever(index, top_k=5)
    questions = _answerable_questions()
    assert len(questions) == 44
    for question in questions:
        want = [(p.id, p.start, p.end, p.text, round(p.score, 4))
                for p in retriever.retrieve(question, "dense")]
        got = [(p.id, p.start, p.end, p.text, round(p.score, 4))
               for p in milvus.retrieve(question, "dense")]
        assert got == want, question
    for passage in milvus.retrieve(questions[0], "dense"):
        assert index.sources[passage.source].text[passage.start:passage.end] == passage.text


def test_answers_cite_exact_spans_and_keyword_search_runs_in_milvus(milvus_settings, e5m):
    index = load_index(milvus_settings, embed_model=e5m)
    retriever = PassageRetriever(index, top_k=5)
    assert "BM25Retriever" not in type(retriever._bm25).__name__, "Milvus full-text search"
    for mode in ("bm25", "hybrid"):
        passages = retriever.retrieve("Chi ha presieduto il Gruppo di contatto per l'Ucraina?",
                                      mode)
        assert any(HEALEY_CHAIR in p.text for p in passages[:2]), mode
        assert all(p.score >= 0 for p in passages), "BM25 scores come back positive"
        for p in passages:
            assert index.sources[p.source].text[p.start:p.end] == p.text
    answer = Answerer(index, milvus_settings).answer(
        "Chi ha presieduto la riunione del Gruppo di contatto per l'Ucraina?")
    assert "Healey" in answer.text and answer.citations
    for citation in answer.citations:
        assert index.sources[citation.source].text[citation.start:citation.end] == citation.text


def test_adding_an_article_appends_rows_and_earlier_versions_do_not_see_them(tmp_path, e5m):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, vector_store="milvus")
    first = build_index(settings, embed_model=e5m)
    before, v1 = first.manifest.chunk_count, first.version_dir
    index, report = add_articles(settings, [("ponte.txt", PONTE.encode())], embed_model=e5m)
    assert report.added == ["ponte.txt"]
    assert index.manifest.collection == first.manifest.collection, "no copy of the collection"
    assert index.manifest.version == 2
    top = PassageRetriever(index).retrieve("Chi ha inaugurato il ponte di legno?")[0]
    assert top.source == "ponte.txt" and index.sources["ponte.txt"].text[top.start:top.end] == \
        top.text
    assert load_index(settings, embed_model=e5m).manifest.chunk_count == \
        before + report.chunks_added
    old = read_version(v1, e5m, settings)  # the previous version is still an immutable view
    assert old.vector_index.vector_store.visible_count() == before
    assert all(p.source != "ponte.txt" for p in PassageRetriever(old).retrieve(
        "Chi ha inaugurato il ponte di legno?"))

    # A writer killed after inserting rows but before publishing: invisible, then cleaned.
    store = index.vector_index.vector_store
    store.begin_write(99)
    store.add([TextNode(text="fantasma", id_="ghost", embedding=[0.05] * 384)])
    assert load_index(settings, embed_model=e5m).vector_index.vector_store.visible_count() == \
        index.manifest.chunk_count
    again, _ = add_articles(settings, [("b.txt", b"Seconda prova. Il gatto dorme sul divano.")],
                            embed_model=e5m)
    live = again.vector_index.vector_store
    assert not live.client.query(live.collection_name, filter="version > 3",
                                 output_fields=["count(*)"])[0]["count(*)"]


def test_stale_and_damaged_milvus_indexes_are_detected_and_rebuilt(tmp_path, e5m):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, vector_store="milvus")
    index = build_index(settings, embed_model=e5m)
    with pytest.raises(IndexStaleError, match="chunking"):
        load_index(settings.model_copy(update={"window_sentences": 3}), embed_model=e5m)
    with pytest.raises(IndexStaleError, match="vector store 'milvus:lite', not 'faiss'"):
        load_index(settings.model_copy(update={"vector_store": "faiss"}), embed_model=e5m)
    client = index.vector_index.vector_store.client
    first = index.manifest.collection
    client.drop_collection(first)
    with pytest.raises(IndexCorruptError, match=f"collection {first} is missing.*--rebuild"):
        load_index(settings, embed_model=e5m)
    rebuilt = open_index(settings, embed_model=e5m)
    assert rebuilt.manifest.collection != first and rebuilt.manifest.version == 2
    assert PassageRetriever(rebuilt).retrieve("Chi ha presieduto il gruppo Ramstein?")
    build_index(settings, embed_model=e5m)  # v3; v2 is kept as the previous version
    build_index(settings, embed_model=e5m)  # v4: v2's collection is no longer named by any
    mine = sorted(c for c in client.list_collections()
                  if rebuilt.manifest.index_id in c)
    assert mine == [f"articleqa_{rebuilt.manifest.index_id}_v000003",
                    f"articleqa_{rebuilt.manifest.index_id}_v000004"]


def test_cli_search_matches_faiss_and_a_locked_lite_database_is_explained(milvus_settings, e5m,
                                                                          retriever):
    load_index(milvus_settings, embed_model=e5m)  # this process holds the Lite database
    env = dict(os.environ, ARTICLEQA_VECTOR_STORE="milvus",
               ARTICLEQA_CORPUS_DIR=str(CORPUS))
    question = "Who chaired the Ukraine Defence Contact Group meeting?"
    cmd = [sys.executable, "-m", "articleqa", "search", question, "-k", "5", "--json",
           "--retrieval", "dense", "--data-dir", str(milvus_settings.data_dir)]
    locked = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert locked.returncode == 1 and "Traceback" not in locked.stderr
    assert "open in another process" in locked.stderr and "milvus-lite server" in locked.stderr
    release_embedded(milvus_settings)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rebuilding" not in done.stderr
    rows = json.loads(done.stdout)
    assert [(r["text"], r["start"], r["end"]) for r in rows] == \
        [(p.text, p.start, p.end) for p in retriever.retrieve(question, "dense")]


def test_a_milvus_server_uri_serves_this_process_and_the_cli_at_once(tmp_path, e5m, retriever):
    """``milvus-lite server`` stands in for a Milvus server: reached by URI, over gRPC."""
    from articleqa.eval.scale import lite_server

    with lite_server(tmp_path / "server") as (uri, _pid):
        settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS,
                            vector_store="milvus", milvus_uri=uri)
        index = build_index(settings, embed_model=e5m)
        assert index.manifest.vector_store == f"milvus:{uri}"
        assert not (settings.resolved_index_dir() / MILVUS_LITE_FILE).exists()
        question = "Chi ha incontrato Witkoff a San Pietroburgo?"
        want = [(p.text, p.start, p.end) for p in retriever.retrieve(question, "dense")]
        assert [(p.text, p.start, p.end) for p in
                PassageRetriever(index).retrieve(question, "dense")] == want
        env = dict(os.environ, ARTICLEQA_VECTOR_STORE="milvus", ARTICLEQA_MILVUS_URI=uri,
                   ARTICLEQA_CORPUS_DIR=str(CORPUS))
        done = subprocess.run(  # while this process stays connected
            [sys.executable, "-m", "articleqa", "search", question, "-k", "5", "--json",
             "--retrieval", "dense", "--data-dir", str(settings.data_dir)],
            capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0 and "rebuilding" not in done.stderr, done.stderr[-2000:]
        assert [(r["text"], r["start"], r["end"]) for r in json.loads(done.stdout)] == want


def test_milvus_settings_refuse_credentials_in_the_uri_and_a_missing_extra_is_explained(
        monkeypatch, tmp_path, e5m):
    with pytest.raises(ValueError, match="ARTICLEQA_MILVUS_TOKEN"):
        Settings(milvus_uri="http://user:secret@milvus:19530")
    assert Settings(milvus_uri="http://milvus:19530", vector_store="milvus") \
        .vector_store_signature() == "milvus:http://milvus:19530"
    import articleqa.index

    monkeypatch.delattr(articleqa.index, "milvus_store", raising=False)
    monkeypatch.setitem(sys.modules, "articleqa.index.milvus_store", None)  # not installed
    settings = Settings(data_dir=tmp_path, corpus_dir=CORPUS, vector_store="milvus")
    with pytest.raises(VectorStoreError, match=r"pip install 'articleqa\[milvus\]'"):
        build_index(settings, embed_model=e5m)


def test_a_damaged_lite_segment_is_explained_and_removing_the_database_repairs(tmp_path, e5m):
    """Before: a pyarrow traceback, then "open in another process" (the lock was this
    process' own), and removing milvus.db was never suggested."""
    import shutil

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS, vector_store="milvus")
    build_index(settings, embed_model=e5m)
    add_articles(settings, [("ponte.txt", PONTE.encode())], embed_model=e5m)
    release_embedded(settings)
    lite = settings.resolved_index_dir() / MILVUS_LITE_FILE
    segments = list(lite.rglob("*.parquet"))
    assert segments
    for segment in segments:
        with open(segment, "r+b") as handle:
            handle.seek(min(200, segment.stat().st_size // 4))
            handle.write(os.urandom(2000))
    env = dict(os.environ, ARTICLEQA_VECTOR_STORE="milvus", ARTICLEQA_CORPUS_DIR=str(CORPUS),
               ARTICLEQA_DATA_DIR=str(settings.data_dir))
    cmd = [sys.executable, "-m", "articleqa"]
    out = subprocess.run([*cmd, "search", "ponte", "--json"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "another process" not in out.stderr
    assert f"rm -r {lite}" in out.stderr and "articleqa index --rebuild" in out.stderr
    shutil.rmtree(lite)
    out = subprocess.run([*cmd, "index", "--rebuild", "--json"], capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ponte.txt" in json.loads(out.stdout)["articles"]
