"""Shared, session-scoped fixtures: the embedding model and the article index load once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests (and the CLI processes they start) answer extractively unless a test asks for the LLM:
# the default, auto, would start the bundled model in every subprocess.
os.environ.setdefault("ARTICLEQA_ANSWER_MODE", "extractive")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# Tests of the answer path check which candidate the reader picks and how it is cited, so every
# short answer is shown; tests/test_reader.py checks the confidence threshold itself.
os.environ.setdefault("ARTICLEQA_MIN_SHORT_ANSWER_CONFIDENCE", "0")

from articleqa.settings import Settings, bundled_corpus_dir, bundled_questions_dir  # noqa: E402

CORPUS = bundled_corpus_dir()
ARTICLE = CORPUS / "kiev-allies-2025-04-11.it.txt"
DEV = bundled_questions_dir() / "dev.jsonl"


@pytest.fixture(scope="session")
def e5():
    from articleqa.index.embeddings import load_embed_model

    return load_embed_model("multilingual-e5-small")


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"), corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def article_index(index_settings: Settings, e5):
    from articleqa.index.build import build_index

    return build_index(index_settings, embed_model=e5)


@pytest.fixture(scope="session")
def retriever(article_index):
    from articleqa.qa.retrieval import PassageRetriever

    return PassageRetriever(article_index, top_k=5)


@pytest.fixture(scope="session")
def article_text(article_index) -> str:
    return article_index.sources[ARTICLE.name].text


def fresh_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings for a test that needs its own data dir (and maybe its own corpus)."""
    overrides.setdefault("corpus_dir", CORPUS)
    return Settings(data_dir=tmp_path / "data", **overrides)


@pytest.fixture(scope="session")
def answerer(article_index, index_settings):
    from articleqa.qa.answerer import Answerer

    return Answerer(article_index, index_settings)


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown (ui.render escapes every Markdown mark of
    article text): backslash escapes and HTML entities undone."""
    import html
    import re

    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))
