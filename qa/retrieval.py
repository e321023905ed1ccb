"""Dense (FAISS or Milvus), BM25 and hybrid retrieval over an ArticleIndex, as ranked Passages."""

from __future__ import annotations

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from articleqa.choices import RetrievalMode
from articleqa.index import fusion
from articleqa.index.article_index import ArticleIndex
from articleqa.index.embeddings import part_dims
from articleqa.index.text import bm25_stopwords
from articleqa.index.vector_store import full_text_retriever
from articleqa.qa.types import Passage


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
    def _make_bm25(index: ArticleIndex, top_k: int) -> BaseRetriever:
        in_store = full_text_retriever(index.vector_index, top_k)  # Milvus full-text search
        if in_store is not None:
            return in_store
        import Stemmer

        return BM25Retriever.from_defaults(
            nodes=index.nodes, similarity_top_k=min(top_k, len(index.nodes)),
            stemmer=Stemmer.Stemmer("italian"), language=bm25_stopwords())  # type: ignore[arg-type]

    def retrieve(self, query: str, mode: RetrievalMode | str = RetrievalMode.DENSE,
                 top_k: int | None = None) -> list[Passage]:
        """Ranked passages for ``query`` (``mode`` may be given by its name)."""
        retriever = {RetrievalMode.DENSE: self._dense, RetrievalMode.BM25: self._bm25,
                     RetrievalMode.HYBRID: self._hybrid}[RetrievalMode(mode)]
        results = retriever.retrieve(self._bundle(query))
        return self._to_passages(results, top_k or self.top_k)

    def _bundle(self, query: str) -> QueryBundle:
        """A fused embedder searches its concatenated vectors with each model's part of the
        question weighted by its spread over the corpus (index/fusion.py); one model's
        question vector is left to the retriever to embed."""
        dims = part_dims(self.index.embed_model)
        if dims is None:
            return QueryBundle(query)
        vector = np.asarray(self.index.embed_model.get_query_embedding(query), np.float32)
        weighted = fusion.retrieval_query(vector, dims, self.index.sentences.reference())
        return QueryBundle(query, embedding=weighted.tolist())

    def _to_passages(self, results: list[NodeWithScore], k: int) -> list[Passage]:
        passages: list[Passage] = []
        seen: set[str] = set()
        for hit in results:
            node = hit.node
            if node.node_id in seen or not isinstance(node, TextNode):
                continue
            seen.add(node.node_id)
            # The retrieved node is the stored one (the docstore's for FAISS, the collection's
            # for Milvus): text and offsets exactly as indexed.
            passages.append(Passage(
                id=node.node_id, text=node.text, source=node.metadata.get("source", ""),
                title=node.metadata.get("title", ""), start=node.start_char_idx or 0,
                end=node.end_char_idx or 0, score=float(hit.score or 0.0),
                rank=len(passages) + 1))
            if len(passages) == k:
                break
        return passages
