"""The chat's example questions follow the articles indexed, never a question set."""

from __future__ import annotations

import json
from dataclasses import replace

from articleqa.index.article_index import SourceText
from articleqa.ui.examples import EXAMPLES_SUFFIX, example_questions, written_examples
from tests.conftest import ARTICLE, CORPUS


class _Index:
    """Just what example_questions reads from an ArticleIndex: its sources."""

    def __init__(self, *sources: SourceText) -> None:
        self.sources = {s.source: s for s in sources}


BUNDLED = SourceText(ARTICLE.name, "Le incomprensioni tra gli alleati", "it", "testo")
LOCAL = SourceText("sagra.txt", "La sagra della castagna torna a Borgo Alto dopo tre anni",
                   "it", "testo")
ENGLISH = SourceText("bridge.html", "A new bridge opens over the river", "en", "text")


def test_the_bundled_article_ships_its_own_examples():
    written = written_examples(CORPUS, ARTICLE.name)
    assert 3 <= len(written) <= 6
    assert example_questions(_Index(BUNDLED), CORPUS) == written


def test_user_articles_get_an_example_from_their_title_in_their_language(tmp_path):
    shown = example_questions(_Index(BUNDLED, LOCAL, ENGLISH), CORPUS)
    assert shown[0].startswith("What does the article") and "new bridge" in shown[0]
    assert "sagra della castagna" in shown[1] and shown[1].endswith("?")
    assert len(shown) <= 6
    only_user = example_questions(_Index(LOCAL), tmp_path)
    assert len(only_user) == 1 and "Kiev" not in only_user[0]


def test_a_broken_examples_file_is_ignored_not_fatal(tmp_path):
    (tmp_path / f"sagra.txt{EXAMPLES_SUFFIX}").write_text("[not json", encoding="utf-8")
    assert example_questions(_Index(LOCAL), tmp_path) == \
        example_questions(_Index(LOCAL), tmp_path / "elsewhere")
    (tmp_path / f"sagra.txt{EXAMPLES_SUFFIX}").write_text(json.dumps(["Chi?", 3, ""]),
                                                         encoding="utf-8")
    assert written_examples(tmp_path, "sagra.txt") == ["Chi?"]
    long_title = replace(LOCAL, title="parola " * 40)
    assert len(example_questions(_Index(long_title), tmp_path)[0]) < 120
