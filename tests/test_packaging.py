"""The wheel is one package, `articleqa`, carrying the bundled article and question sets; once
installed it answers from any directory without writing there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w",
                    str(out)], check=True, capture_output=True, timeout=300)
    (found,) = out.glob("articleqa-*.whl")
    return found


def test_the_wheel_holds_only_articleqa_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"articleqa", wheel.name.split("-py3")[0]
                                               + ".dist-info"}
    for expected in ("articleqa/corpus/kiev-allies-2025-04-11.it.txt",
                     "articleqa/eval/questions/dev.jsonl",
                     "articleqa/eval/questions/second/questions.jsonl",
                     "articleqa/qa/answerer.py", "articleqa/index/build.py",
                     "articleqa/ui/app.py", "articleqa/eval/runner.py"):
        assert expected in names


def test_the_installed_wheel_answers_from_any_directory_without_writing_there(wheel,
                                                                               tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # Dependencies come from this test's environment, but not its editable articleqa: a .pth
    # line adds the directory to sys.path without running the .pth files inside it.
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print("
                                         "sysconfig.get_paths()['purelib'])"], text=True).strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    cwd = tmp_path / "anywhere"
    cwd.mkdir()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLEQA_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"))
    done = subprocess.run([str(venv / "bin" / "articleqa"), "ask", "--json",
                           "Chi ha incontrato Witkoff a San Pietroburgo?"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert "Dmitriev" in answer["answer"]
    located = subprocess.check_output([str(python), "-c", "import articleqa.qa; "
                                       "print(articleqa.qa.__file__)"], cwd=cwd, env=env,
                                      text=True)
    assert located.startswith(str(site)), "the installed copy, not the source tree"
    assert list(cwd.iterdir()) == [], "nothing written into the working directory"
    assert (home / "data" / "articleqa" / "index" / "CURRENT").exists()
