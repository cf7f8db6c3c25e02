"""Contract pipeline kernels: new contracts -> payments in later years.

A contract of value C signed in year s pays p_0 C in year s (the first-year
payment, part of general material costs) and p_k C in year s + k, k = 1..L,
with sum(p) = 1. Payments due in year t on earlier contracts (obligatory
outlays, 歳出化経費) are O_t = sum_k p_k C_{t-k}.
"""

from __future__ import annotations

import numpy as np


def schedule(due: np.ndarray, j: int, contracts: np.ndarray, profile: tuple[float, ...]) -> None:
    """Add the later-year payments of contracts signed at axis index ``j`` to ``due`` (n_year, n)."""
    n_year = due.shape[0]
    tmp = np.empty_like(contracts)
    for k in range(1, len(profile)):
        if j + k < n_year:
            due[j + k] += np.multiply(contracts, profile[k], out=tmp)
