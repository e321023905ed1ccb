"""Shared, session-scoped fixtures: the embedding model and the article index load once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from articleqa.settings import PROJECT_ROOT, Settings  # noqa: E402

ARTICLE = PROJECT_ROOT / "corpus" / "kiev-allies-2025-04-11.it.txt"


@pytest.fixture(scope="session")
def e5():
    from index.embeddings import load_embed_model

    return load_embed_model("multilingual-e5-small")


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=PROJECT_ROOT / "corpus")


@pytest.fixture(scope="session")
def article_index(index_settings: Settings, e5):
    from index.store import build_index

    return build_index(index_settings, embed_model=e5)


@pytest.fixture(scope="session")
def retriever(article_index):
    from qa.retrieval import PassageRetriever

    return PassageRetriever(article_index, top_k=5)


@pytest.fixture(scope="session")
def article_text(article_index) -> str:
    return article_index.sources[ARTICLE.name].text


def fresh_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings for a test that needs its own data dir (and maybe its own corpus)."""
    overrides.setdefault("corpus_dir", PROJECT_ROOT / "corpus")
    return Settings(data_dir=tmp_path / "data", **overrides)


@pytest.fixture(scope="session")
def answerer(article_index, index_settings):
    from qa.answerer import Answerer

    return Answerer(article_index, index_settings)
