"""Similarities of a question to stored vectors, for one embedder or a fused pair.

A fused vector is ``[e5 / sqrt(2), gemma / sqrt(2)]`` (``FusedEmbedding``). The two models'
cosines live on different scales (e5's crowd into 0.79-0.83 for every candidate, as measured
for issue 21), so a plain sum lets the model with the wider spread decide. Per question, each
model's cosines are z-scored against the same reference sample of the corpus (the index's
sentence vectors, ``SentenceVectors.reference``) and the z-scores summed:

- ``similarities`` (sentence scoring and the answerability similarity) reports
  ``mean(mu) + mean(sigma) * mean(z)``: the order of the z-score sum, on a cosine-like scale,
  and exactly the cosine when there is one model;
- ``retrieval_query`` weights each model's part of the question vector by ``1 / sigma``, so
  the vector store's inner product ranks chunks by the same z-score sum (``mu`` shifts every
  chunk alike) with one search over the concatenated vectors.
"""

from __future__ import annotations

import numpy as np

SIGMA_FLOOR = 1e-6


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _slices(dims: tuple[int, ...]) -> list[slice]:
    edges = np.cumsum((0, *dims))
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def part_cosines(query: np.ndarray, vectors: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """(parts, rows): each model's cosine of ``query`` to every row of ``vectors``."""
    return np.stack([_unit_rows(vectors[:, part]) @ _unit_rows(query[part])
                     for part in _slices(dims)])


def _stats(query: np.ndarray, reference: np.ndarray | None, dims: tuple[int, ...],
           fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per model: mean and spread of the query's cosines over the reference sample (over
    ``fallback``, the candidates' own cosines, when there is no sample to speak of)."""
    cosines = part_cosines(query, reference, dims) if reference is not None and \
        len(reference) >= 2 else fallback
    return cosines.mean(axis=1), np.maximum(cosines.std(axis=1), SIGMA_FLOOR)


def similarities(query: np.ndarray, vectors: np.ndarray, dims: tuple[int, ...] | None,
                 reference: np.ndarray | None = None) -> np.ndarray:
    """The similarity of ``query`` to each row of ``vectors`` (see the module docstring)."""
    query = np.asarray(query, dtype=np.float32)
    if not dims or len(dims) == 1:
        return _unit_rows(vectors) @ _unit_rows(query)
    cosines = part_cosines(query, vectors, dims)
    mu, sigma = _stats(query, reference, dims, cosines)
    z = (cosines - mu[:, None]) / sigma[:, None]
    return float(mu.mean()) + float(sigma.mean()) * z.mean(axis=0)


def retrieval_query(query: np.ndarray, dims: tuple[int, ...] | None,
                    reference: np.ndarray | None) -> np.ndarray:
    """The question vector to search concatenated vectors with: each model's unit part
    weighted by 1/sigma (then unit length overall), so the inner product orders chunks by the
    sum of per-model z-scores. Unchanged for one model or without a reference sample."""
    query = np.asarray(query, dtype=np.float32)
    if not dims or len(dims) == 1 or reference is None or len(reference) < 2:
        return query
    _, sigma = _stats(query, reference, dims, np.zeros((len(dims), 1)))
    parts = [_unit_rows(query[part]) / s for part, s in zip(_slices(dims), sigma, strict=True)]
    return _unit_rows(np.concatenate(parts)).astype(np.float32)
