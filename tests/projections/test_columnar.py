"""The array helpers the metrics are built on, where a fast path stands in for numpy."""

from __future__ import annotations

import numpy as np
import pytest

from projections.metrics.columnar import stable_order


@pytest.mark.parametrize("high", [10, 1 << 16, (1 << 16) + 1, 1 << 40])
def test_stable_order_is_numpys_stable_argsort(high: int) -> None:
    """Small codes take the 16-bit radix path, large or negative ones numpy's own; ties
    must keep their original order either way (chains rely on it)."""
    rng = np.random.default_rng(high)
    for low in (0, -3):
        codes = rng.integers(low, high, 5000)
        assert np.array_equal(stable_order(codes), np.argsort(codes, kind="stable"))
    assert len(stable_order(np.zeros(0, dtype=np.int64))) == 0
