"""Dense (FAISS), BM25 and hybrid retrieval over an ArticleIndex, as ranked Passages."""

from __future__ import annotations

from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from articleqa.choices import RetrievalMode
from articleqa.index.article_index import ArticleIndex
from articleqa.qa.types import Passage


def _bm25_stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_ITALIAN

    return sorted(set(STOPWORDS_ITALIAN) | set(STOPWORDS_EN))


class PassageRetriever:
    """Builds the three retrievers once per index and serves any of them by name.

    Hybrid fuses dense and BM25 with llama-index's QueryFusionRetriever (relative-score fusion,
    weighted towards dense: BM25 cannot match an English question to Italian text).
    """

    def __init__(self, index: ArticleIndex, top_k: int = 5, dense_weight: float = 0.7,
                 fusion: str = "relative_score") -> None:
        self.index = index
        self.top_k = top_k
        pool = max(top_k * 2, 10)
        self._dense = index.vector_index.as_retriever(similarity_top_k=pool)
        self._bm25 = self._make_bm25(index, pool)
        self._hybrid = QueryFusionRetriever(
            [self._dense, self._bm25], similarity_top_k=pool, num_queries=1,
            mode=FUSION_MODES(fusion), use_async=False, llm=MockLLM(),  # one query: no LLM
            retriever_weights=[dense_weight, 1.0 - dense_weight])

    @staticmethod
    def _make_bm25(index: ArticleIndex, top_k: int) -> BM25Retriever:
        import Stemmer

        return BM25Retriever.from_defaults(
            nodes=index.nodes, similarity_top_k=min(top_k, len(index.nodes)),
            stemmer=Stemmer.Stemmer("italian"), language=_bm25_stopwords())  # type: ignore[arg-type]

    def retrieve(self, query: str, mode: RetrievalMode | str = RetrievalMode.DENSE,
                 top_k: int | None = None) -> list[Passage]:
        """Ranked passages for ``query`` (``mode`` may be given by its name)."""
        retriever = {RetrievalMode.DENSE: self._dense, RetrievalMode.BM25: self._bm25,
                     RetrievalMode.HYBRID: self._hybrid}[RetrievalMode(mode)]
        results = retriever.retrieve(QueryBundle(query))
        return self._to_passages(results, top_k or self.top_k)

    def _to_passages(self, results: list[NodeWithScore], k: int) -> list[Passage]:
        passages: list[Passage] = []
        seen: set[str] = set()
        for hit in results:
            node = hit.node
            if node.node_id in seen or not isinstance(node, TextNode):
                continue
            seen.add(node.node_id)
            stored = self.index.vector_index.docstore.get_node(node.node_id)
            assert isinstance(stored, TextNode)
            passages.append(Passage(
                id=stored.node_id, text=stored.text, source=stored.metadata.get("source", ""),
                title=stored.metadata.get("title", ""), start=stored.start_char_idx or 0,
                end=stored.end_char_idx or 0, score=float(hit.score or 0.0),
                rank=len(passages) + 1))
            if len(passages) == k:
                break
        return passages
