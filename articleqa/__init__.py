"""articleqa: question answering with verified citations over news articles.

Layering (imports only ever point down the chain):
``articleqa.settings`` -> ``articleqa.index`` -> ``articleqa.qa`` -> ``articleqa.ui`` /
``articleqa.eval`` -> ``articleqa.cli``.
"""

import os as _os

__version__ = "0.2.0"


def _offline_by_default() -> None:
    """Hugging Face libraries read these when they are first imported, so they are set here,
    before any of them can be: no model is ever fetched from a hub unless the user allowed it
    (ARTICLEQA_ALLOW_DOWNLOAD=1)."""
    if _os.environ.get("ARTICLEQA_ALLOW_DOWNLOAD", "").lower() not in ("1", "true", "yes"):
        _os.environ.setdefault("HF_HUB_OFFLINE", "1")
        _os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


_offline_by_default()
