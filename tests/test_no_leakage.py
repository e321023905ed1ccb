"""Question sets are for measuring, never for tuning: no evaluation text in code or tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT.parent / "shared" / "tools" / "leakage.py"


@pytest.mark.skipif(not TOOL.is_file(), reason=f"the leakage tool is not at {TOOL}")
def test_no_evaluation_text_in_code_prompts_or_tests():
    run = subprocess.run([sys.executable, str(TOOL)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
