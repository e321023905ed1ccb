"""The index never loses or silently corrupts data: ownership of the index dir, same-name files,
two writer processes at once, kill -9 mid-write, and damaged files detected by checksum."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from articleqa.index.article_index import IndexCorruptError, IndexDirError
from articleqa.index.build import add_articles, build_index, load_index
from articleqa.index.persist import CURRENT_FILE, current_version
from tests.conftest import fresh_settings

PONTE = "Notizia. Il sindaco di Trento ha inaugurato un ponte di legno rosso sul fiume Adige."
LAGO = "Notizia. Il lago di Garda si è ghiacciato per la prima volta dal 1929."


def _cli(*args: str, env: dict[str, str] | None = None,
         **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "articleqa", *args], capture_output=True,
                          text=True, timeout=300, env=env, **kwargs)


@pytest.fixture
def small_index(tmp_path, e5):
    settings = fresh_settings(tmp_path)
    return settings, build_index(settings, embed_model=e5)


def test_an_index_dir_holding_other_files_is_refused_and_left_untouched(tmp_path, e5):
    folder = tmp_path / "my-documents"
    folder.mkdir()
    (folder / "tesi.docx").write_bytes(b"years of work")
    settings = fresh_settings(tmp_path, index_dir=folder)
    with pytest.raises(IndexDirError, match="not an articleqa index.*nothing was changed"):
        build_index(settings, embed_model=e5)
    assert [p.name for p in folder.iterdir()] == ["tesi.docx"]
    assert (folder / "tesi.docx").read_bytes() == b"years of work"
    out = _cli("index", "--index-dir", str(folder), "--data-dir", str(tmp_path / "d"))
    assert out.returncode == 1 and "not an articleqa index" in out.stderr
    assert "Traceback" not in out.stderr and [p.name for p in folder.iterdir()] == ["tesi.docx"]


def test_a_regular_file_given_as_index_dir_is_refused_and_kept(tmp_path, e5):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    with pytest.raises(IndexDirError, match="is a file"):
        build_index(fresh_settings(tmp_path, index_dir=notes), embed_model=e5)
    assert notes.read_text() == "keep me"


def test_an_empty_folder_is_accepted_as_index_dir(tmp_path, e5):
    folder = tmp_path / "empty"
    folder.mkdir()
    index = build_index(fresh_settings(tmp_path, index_dir=folder), embed_model=e5)
    assert index.version_dir.parent == folder and (folder / CURRENT_FILE).exists()


def test_two_files_with_one_name_in_one_batch_both_survive(small_index, tmp_path):
    settings, index = small_index
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    (tmp_path / "d1" / "same.txt").write_text(PONTE, encoding="utf-8")
    (tmp_path / "d2" / "same.txt").write_text(LAGO, encoding="utf-8")
    out = _cli("index", str(tmp_path / "d1" / "same.txt"), str(tmp_path / "d2" / "same.txt"),
               "--json", "--data-dir", str(settings.data_dir))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(report["added"]) == 2 and report["added"][0] == "same.txt"
    assert report["added"][1].startswith("same-") and report["added"][1].endswith(".txt")
    reloaded = load_index(settings, index.embed_model)
    texts = {name: reloaded.sources[name].text for name in report["added"]}
    assert PONTE in texts["same.txt"] and LAGO in texts[report["added"][1]]
    assert reloaded.vector_index.vector_store.client.ntotal == reloaded.manifest.chunk_count


def test_random_bytes_over_the_vectors_are_detected_not_served(small_index):
    settings, index = small_index
    vectors = current_version(settings.resolved_index_dir()) / "default__vector_store.json"
    size = vectors.stat().st_size
    with open(vectors, "r+b") as handle:  # same size, same header: only the floats change
        handle.seek(size // 2)
        handle.write(os.urandom(min(4096, size // 2)))
    with pytest.raises(IndexCorruptError, match="default__vector_store.json is damaged.*"
                                                "checksum.*articleqa index --rebuild"):
        load_index(settings, index.embed_model)


def test_two_writer_processes_and_a_reader_lose_nothing(small_index, tmp_path):
    settings, index = small_index
    env = dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir))
    files = []
    for i, text in enumerate((PONTE, LAGO)):
        path = tmp_path / f"story{i}.txt"
        path.write_text(text + f" Fonte numero {i}.", encoding="utf-8")
        files.append(path)
    writers = [subprocess.Popen([sys.executable, "-m", "articleqa", "index", str(f), "--json"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for f in files]
    reads = 0
    while any(w.poll() is None for w in writers):
        reloaded = load_index(settings, index.embed_model)  # never half a version
        assert reloaded.vector_index.vector_store.client.ntotal == \
            reloaded.manifest.chunk_count
        reads += 1
        time.sleep(0.05)
    for writer in writers:
        out, err = writer.communicate()
        assert writer.returncode == 0, err
    final = load_index(settings, index.embed_model)
    assert {"story0.txt", "story1.txt"} <= set(final.sources), "an article was lost"
    assert reads > 0


def test_kill_9_while_a_version_is_written_keeps_the_previous_one(small_index, tmp_path):
    settings, index = small_index
    reference = sorted(n.node_id for n in index.nodes)
    story = tmp_path / "lungo.txt"
    story.write_text(" ".join(f"Frase numero {i} sul lago di Garda ghiacciato." for i in
                              range(60)), encoding="utf-8")
    env = dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir))
    index_dir = settings.resolved_index_dir()
    child = subprocess.Popen([sys.executable, "-m", "articleqa", "index", str(story)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    temp = f".tmp-{child.pid}-"
    deadline = time.monotonic() + 240
    while child.poll() is None and time.monotonic() < deadline and \
            not any(p.name.startswith(temp) for p in index_dir.iterdir()):
        time.sleep(0.0005)
    os.kill(child.pid, signal.SIGSTOP)  # frozen mid-write: readers must see the old version
    try:
        assert child.poll() is None, "the writer finished before it was caught writing"
        assert any(p.name.startswith(temp) for p in index_dir.iterdir())
        assert sorted(n.node_id for n in load_index(settings, index.embed_model).nodes) == \
            reference
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert sorted(n.node_id for n in load_index(settings, index.embed_model).nodes) == reference
    # The next writer removes what the killed one left behind.
    add_articles(settings, [("ponte.txt", PONTE.encode())], embed_model=index.embed_model)
    assert not any(p.name.startswith(temp) for p in index_dir.iterdir())


def test_a_stale_corpus_is_served_while_the_new_index_is_built(tmp_path, e5):
    from articleqa.index.build import load_for_serving
    from articleqa.ui.app import create_state

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Prima notizia\n" + PONTE, encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus)
    build_index(settings, embed_model=e5)
    (corpus / "b.txt").write_text("Seconda notizia\n" + LAGO, encoding="utf-8")
    logged: list[str] = []
    index, rebuild = load_for_serving(settings, e5, log=logged.append)
    assert rebuild and set(index.sources) == {"a.txt"}, "the old index answers at once"
    assert "answering from it while a new one is built" in logged[0]
    state = create_state(settings, index, rebuild=False)
    state.rebuild()
    assert set(state.index.sources) == {"a.txt", "b.txt"}
    answer = state.answerer.answer("Quando si è ghiacciato il lago di Garda?", mode="extractive")
    assert answer.citations[0].source == "b.txt" and "1929" in answer.short_answer
    # Another embedding model cannot answer from these vectors: that one is built first.
    other = settings.model_copy(update={"window_sentences": 3})
    _, rebuild = load_for_serving(other, e5)
    assert rebuild is False


def test_kill_9_while_a_big_article_is_embedded_leaves_nothing_half_added(small_index,
                                                                          tmp_path):
    settings, index = small_index
    before = load_index(settings, index.embed_model)
    big = tmp_path / "lungo.txt"
    big.write_text("Cronaca\n" + " ".join(f"Il consiglio numero {i} ha discusso il bilancio."
                                          for i in range(400)), encoding="utf-8")
    env = dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir),
               ARTICLEQA_MAX_CHUNKS="1000")  # over the default cap: long enough to be killed
    child = subprocess.Popen([sys.executable, "-m", "articleqa", "index", str(big)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(6)
    assert child.poll() is None, "the child finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    after = load_index(settings, index.embed_model)  # no rebuild needed: not stale, not damaged
    assert after.version_dir == before.version_dir and "lungo.txt" not in after.sources


def test_a_small_upload_does_not_wait_for_a_big_one(small_index, tmp_path):
    import threading

    settings, index = small_index
    big = "Cronaca\n" + " ".join(f"Il consiglio numero {i} ha discusso il bilancio." for i in
                                 range(150))
    finished: dict[str, float] = {}

    def add(name: str, text: str) -> None:
        add_articles(settings, [(name, text.encode())], embed_model=index.embed_model)
        finished[name] = time.perf_counter()

    slow = threading.Thread(target=add, args=("grande.txt", big))
    slow.start()
    time.sleep(1.0)
    add("piccolo.txt", PONTE)
    slow.join(timeout=300)
    assert finished["piccolo.txt"] < finished["grande.txt"], "the small upload waited"
    assert {"grande.txt", "piccolo.txt"} <= set(load_index(settings, index.embed_model).sources)


# ---------------------------------------------------------------- issue 23: lose nothing

NEVE = "Notizia. A Bormio sono caduti quaranta centimetri di neve fresca durante la notte."


@pytest.fixture
def quick_index(tmp_path, e5):
    """An index of a one-article corpus: fast to build and to rebuild."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bundled.txt").write_text("Cronaca\n" + NEVE, encoding="utf-8")
    settings = fresh_settings(tmp_path, corpus_dir=corpus)
    build_index(settings, embed_model=e5)
    return settings


@pytest.fixture
def with_user_articles(quick_index, e5):
    """Two user articles added one version apart, so the live version holds an article the
    one before it does not."""
    settings = quick_index
    add_articles(settings, [("ponte.txt", PONTE.encode())], embed_model=e5)
    add_articles(settings, [("lago.txt", LAGO.encode())], embed_model=e5)
    return settings


def _damage_pointer(index_dir, damage: str) -> None:
    pointer = index_dir / CURRENT_FILE
    live = index_dir / pointer.read_text()
    if damage == "empty":
        pointer.write_bytes(b"")
    elif damage == "garbled":
        pointer.write_bytes(b"v-0000\x07?")
    elif damage == "not-utf8":
        pointer.write_bytes(b"\xff\xfe\x00v")
    elif damage == "names-a-missing-version":
        pointer.write_text("v-000099")
    elif damage == "deleted":
        pointer.unlink()
    elif damage == "live-manifest-deleted":
        (live / "manifest.json").unlink()


@pytest.mark.parametrize("damage", ["empty", "garbled", "not-utf8", "names-a-missing-version",
                                    "deleted", "live-manifest-deleted"])
def test_a_damaged_pointer_or_live_manifest_loses_no_user_article(with_user_articles, e5,
                                                                   damage):
    """Before: the rebuild started from nothing, indexed the bundled article only, and the next
    publish deleted the last copy of every article the user had added."""
    from articleqa.index.build import open_index

    settings = with_user_articles
    _damage_pointer(settings.resolved_index_dir(), damage)
    logged: list[str] = []
    index = open_index(settings, e5, log=logged.append)
    assert "rebuilding now" in logged[0]
    assert {"bundled.txt", "ponte.txt", "lago.txt"} == set(index.sources) and not index.lost
    # Two more publishes rotate every old version out: the articles must be in the new ones.
    add_articles(settings, [("a.txt", b"Notizia. Il sindaco ha aperto la fiera del libro.")],
                 embed_model=e5)
    add_articles(settings, [("b.txt", b"Notizia. Il fiume Adige e salito di due metri.")],
                 embed_model=e5)
    final = load_index(settings, e5)
    assert {"ponte.txt", "lago.txt", "a.txt", "b.txt"} <= set(final.sources)
    assert "Garda" in final.sources["lago.txt"].text


def test_rebuild_from_the_cli_and_the_ui_start_keep_the_users_articles(with_user_articles, e5):
    """`articleqa index --rebuild` (the fix every message suggests) and the UI's start both
    used to drop the user's articles when the pointer was damaged; a non-UTF-8 pointer was a
    UnicodeDecodeError traceback."""
    from articleqa.index.build import load_for_serving

    settings = with_user_articles
    index_dir = settings.resolved_index_dir()
    _damage_pointer(index_dir, "not-utf8")
    env = dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir),
               ARTICLEQA_CORPUS_DIR=str(settings.corpus_dir))
    out = _cli("search", "Garda", "--json", env=env)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "CURRENT is garbled" in out.stderr and json.loads(out.stdout)[0]["source"] == \
        "lago.txt"
    _damage_pointer(index_dir, "live-manifest-deleted")
    out = _cli("index", "--rebuild", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert set(json.loads(out.stdout)["articles"]) == {"bundled.txt", "ponte.txt", "lago.txt"}
    _damage_pointer(index_dir, "garbled")
    index, rebuild = load_for_serving(settings, e5)
    assert not rebuild and {"ponte.txt", "lago.txt"} <= set(index.sources)


def _cli_env(settings) -> dict[str, str]:
    return dict(os.environ, ARTICLEQA_DATA_DIR=str(settings.data_dir),
                ARTICLEQA_CORPUS_DIR=str(settings.corpus_dir))


def _collision_files(folder) -> list:
    """``coll.txt`` (already indexed), then in one batch a file named as the second
    ``coll.txt`` would be renamed (``coll-<its sha8>.txt``), and that second ``coll.txt``."""
    import hashlib

    second = LAGO.encode()
    paths = []
    for sub, name, data in (("1", "coll.txt", PONTE.encode()),
                            ("2", f"coll-{hashlib.sha256(second).hexdigest()[:8]}.txt",
                             NEVE.replace("Bormio", "Livigno").encode()),
                            ("3", "coll.txt", second)):
        (folder / sub).mkdir(exist_ok=True)
        (folder / sub / name).write_bytes(data)
        paths.append(folder / sub / name)
    return paths


def _each_source_holds_its_own_chunks(index) -> None:
    assert index.vector_index.vector_store.client.ntotal == index.manifest.chunk_count
    for node in index.nodes:
        source = index.sources[node.metadata["source"]]
        assert source.text[node.start_char_idx:node.end_char_idx] == node.text


def test_a_file_named_like_a_renamed_one_never_shares_its_name_cli(quick_index, tmp_path, e5):
    """Before: "4 chunks added" for 2, both articles' chunks under both names, and every
    question retrieving them an IndexError traceback."""
    settings = quick_index
    first, clash, second = _collision_files(tmp_path)
    env = _cli_env(settings)
    assert _cli("index", str(first), env=env).returncode == 0
    out = _cli("index", str(clash), str(second), "--json", env=env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert len(set(report["added"])) == 2 and report["chunks_added"] == 2
    index = load_index(settings, e5)
    assert len({"coll.txt", *report["added"]}) == 3
    _each_source_holds_its_own_chunks(index)
    for question in ("Dove sono caduti quaranta centimetri di neve?",
                     "Quando si è ghiacciato il lago di Garda?"):
        out = _cli("ask", question, "--json", env=env)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr


def test_a_file_named_like_a_renamed_one_never_shares_its_name_ui(quick_index, tmp_path, e5):
    from articleqa.qa.answerer import Answerer
    from articleqa.ui.app import AppState, Handlers

    settings = quick_index
    first, clash, second = _collision_files(tmp_path)
    handlers = Handlers(AppState(Answerer(load_index(settings, e5), settings), settings))
    handlers.upload([str(first)])
    status, *_ = handlers.upload([str(clash), str(second)])
    assert "2 passages indexed" in status, status
    index = handlers.state.index
    _each_source_holds_its_own_chunks(index)
    answer = handlers.state.answerer.answer("Quando si è ghiacciato il lago di Garda?")
    assert "1929" in answer.quote
    assert index.sources[answer.citations[0].source].text.count("Garda") == 1


def test_unique_source_name_never_returns_a_taken_name():
    from articleqa.index.corpus import unique_source_name

    sha = "ab" * 32
    taken = {"a.txt", "a-abababab.txt", "a-abababab-2.txt"}
    assert unique_source_name("a.txt", sha, taken) == "a-abababab-3.txt"
    assert unique_source_name("b.txt", sha, taken) == "b.txt"


def test_random_bytes_over_a_stored_article_are_named_and_the_rest_kept(with_user_articles, e5):
    """Before: every command, ``--rebuild`` included, failed with "ponte.txt: this is a binary
    file" (the bytes are hard-linked into every version, so no copy was left)."""
    from articleqa.index.build import load_for_serving

    settings = with_user_articles
    live = current_version(settings.resolved_index_dir())
    (live / "articles" / "ponte.txt").write_bytes(os.urandom(300))
    env = _cli_env(settings)
    out = _cli("search", "Garda", "--json", env=env)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "ponte.txt is damaged" in out.stderr and "lost ponte.txt" in out.stderr
    assert json.loads(out.stdout)[0]["source"] == "lago.txt"
    out = _cli("index", "--rebuild", "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert set(json.loads(out.stdout)["articles"]) == {"bundled.txt", "lago.txt"}
    # The UI's start, on the same damage in the (now) live version.
    (current_version(settings.resolved_index_dir()) / "articles" / "lago.txt").write_bytes(
        b"\x00\x01" * 100)
    logged: list[str] = []
    index, _ = load_for_serving(settings, e5, log=logged.append)
    assert set(index.sources) == {"bundled.txt"}
    assert [lost.name for lost in index.lost] == ["lago.txt"]
    assert any(line.startswith("lost lago.txt: its bytes were changed") for line in logged)


def test_a_truncated_origin_file_keeps_the_article_without_its_address(quick_index, e5):
    """Before: a JSONDecodeError traceback from every command."""
    from articleqa.index.readers import ArticleFile

    settings = quick_index
    add_articles(settings, [ArticleFile("frana.txt", PONTE.encode(),
                                        "https://example.org/frana")], embed_model=e5)
    sidecar = current_version(settings.resolved_index_dir()) / "articles" / \
        "frana.txt.origin.json"
    sidecar.write_bytes(sidecar.read_bytes()[:9])
    out = _cli("search", "ponte di legno", "--json", env=_cli_env(settings))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert "lost frana.txt.origin.json" in out.stderr and "kept without its web address" in \
        out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["source"] == "frana.txt" and rows[0]["url"] == ""
