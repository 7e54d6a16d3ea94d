"""Ranking metrics against examples worked by hand."""

from __future__ import annotations

import math

import pytest

from retrieval.metrics import (
    average_precision_at_k,
    catalog_coverage,
    map_at_k,
    mean_ndcg_at_k,
    mean_recall_at_k,
    ndcg_at_k,
    recall_at_k,
)


def test_average_precision_by_hand() -> None:
    # hits at ranks 1 and 3 of 3 relevant items: (1/1 + 2/3) / 3
    assert average_precision_at_k([10, 20, 30, 40], {10, 30, 99}, k=12) == pytest.approx((1 + 2 / 3) / 3)
    # only the top k count, and the denominator is min(|actual|, k)
    assert average_precision_at_k([1, 2, 3], {3}, k=2) == 0.0
    assert average_precision_at_k([5, 6], {6, 7, 8}, k=2) == pytest.approx((1 / 2) / 2)
    # a repeated hit is counted once
    assert average_precision_at_k([1, 1, 2], {1, 2}) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision_at_k([1, 2], set()) == 0.0


def test_recall_and_ndcg_by_hand() -> None:
    assert recall_at_k([1, 2, 3], {2, 4}, k=3) == 0.5
    assert recall_at_k([1, 2, 3], {3, 4}, k=2) == 0.0
    # hit at rank 2 of 1 relevant: (1/log2(3)) / (1/log2(2))
    assert ndcg_at_k([7, 8], {8}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([8, 7], {8}) == 1.0
    # two relevant, hits at ranks 1 and 3
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k([1, 9, 2], {1, 2}) == pytest.approx((1 + 1 / math.log2(4)) / ideal)


def test_means_skip_customers_with_nothing_to_find_and_count_missing_lists_as_zero() -> None:
    ranked = {1: [10, 20], 2: [30], 3: [40]}
    actual = {1: {10}, 2: {99}, 3: set(), 4: {50}}
    # customers 1 (AP 1), 2 (AP 0), 4 (no list: 0); customer 3 has nothing to find
    assert map_at_k(ranked, actual) == pytest.approx(1 / 3)
    assert mean_recall_at_k(ranked, actual) == pytest.approx(1 / 3)
    assert mean_ndcg_at_k(ranked, actual) == pytest.approx(1 / 3)


def test_catalog_coverage() -> None:
    assert catalog_coverage({1: [1, 2, 3], 2: [3, 4]}, n_items=8) == 0.5
    assert catalog_coverage({1: [1, 2, 3]}, n_items=10, k=1) == 0.1
    with pytest.raises(ValueError):
        catalog_coverage({}, n_items=0)
