"""Offline ranking metrics for recommenders, as defined in the H&M Kaggle competition.

Every function takes, per customer, the ranked list of recommended ids and the set of ids the
customer really took afterwards. Customers with nothing to find are left out of the means, since
no ranking can score on them.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

Ranked = Mapping[int, Sequence[int]]
Actual = Mapping[int, Collection[int]]


def average_precision_at_k(ranked: Sequence[int], actual: Collection[int], k: int = 12) -> float:
    """AP@k: precision at each hit within the top k, over min(|actual|, k)."""
    if not actual:
        return 0.0
    hits, total = 0, 0.0
    seen: set[int] = set()
    for i, item in enumerate(ranked[:k], start=1):
        if item in actual and item not in seen:
            hits += 1
            total += hits / i
        seen.add(item)
    return total / min(len(actual), k)


def recall_at_k(ranked: Sequence[int], actual: Collection[int], k: int = 12) -> float:
    if not actual:
        return 0.0
    return len(set(ranked[:k]) & set(actual)) / len(actual)


def ndcg_at_k(ranked: Sequence[int], actual: Collection[int], k: int = 12) -> float:
    """Binary-relevance NDCG@k: each hit earns 1/log2(rank + 1), normalised by the best possible ranking."""
    if not actual:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item in actual and item not in seen:
            dcg += 1 / math.log2(i + 1)
        seen.add(item)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(actual), k) + 1))
    return dcg / ideal


def _mean_over_customers(metric, ranked: Ranked, actual: Actual, k: int) -> float:  # noqa: ANN001
    scored = [metric(ranked.get(c, ()), items, k) for c, items in actual.items() if items]
    return sum(scored) / len(scored) if scored else 0.0


def map_at_k(ranked: Ranked, actual: Actual, k: int = 12) -> float:
    """MAP@k over customers who took at least one item (a customer with no list scores 0)."""
    return _mean_over_customers(average_precision_at_k, ranked, actual, k)


def mean_recall_at_k(ranked: Ranked, actual: Actual, k: int = 12) -> float:
    return _mean_over_customers(recall_at_k, ranked, actual, k)


def mean_ndcg_at_k(ranked: Ranked, actual: Actual, k: int = 12) -> float:
    return _mean_over_customers(ndcg_at_k, ranked, actual, k)


def catalog_coverage(ranked: Ranked, n_items: int, k: int = 12) -> float:
    """Share of the catalog that appears in at least one customer's top k."""
    if n_items <= 0:
        raise ValueError("n_items must be positive")
    shown = {item for items in ranked.values() for item in items[:k]}
    return len(shown) / n_items


def capped_recall_at_k(ranked: Sequence[int], actual: Collection[int], k: int = 10) -> float:
    """Relevant items in the top k over min(k, relevant): 1.0 when the top k is as relevant as it can be.

    Search queries often have more relevant products than k ("red dresses"), where plain recall@k
    cannot reach 1; this is the usual retrieval convention for them.
    """
    if not actual:
        return 0.0
    return len(set(ranked[:k]) & set(actual)) / min(k, len(actual))


def reciprocal_rank(ranked: Sequence[int], actual: Collection[int]) -> float:
    """1 / rank of the first relevant item; 0 when none is ranked."""
    for i, item in enumerate(ranked, 1):
        if item in actual:
            return 1.0 / i
    return 0.0
