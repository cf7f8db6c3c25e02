"""Contract pipeline kernels: new contracts -> payments in later years.

A contract of value C signed in year s pays p_0 C in year s (the first-year
payment, part of general material costs) and p_k C in year s + k, k = 1..L,
with sum(p) = 1. Payments due in year t on earlier contracts (obligatory
outlays, 歳出化経費) are O_t = sum_k p_k C_{t-k}.
"""

from __future__ import annotations

import numpy as np


def later_payments(signed: np.ndarray, profile: tuple[float, ...]) -> np.ndarray:
    """Payments in the following years on contracts ``signed`` this year.

    Parameters
    ----------
    signed : ndarray, (n,)
        Contracts signed in year s, trillion yen.
    profile : tuple of float
        Payment shares p_0 .. p_L (sum 1); p_0 is paid in year s itself.

    Returns
    -------
    ndarray, (L, n)
        Row k - 1 is p_k C, due in year s + k, trillion yen.
    """
    return np.multiply(np.asarray(profile[1:])[:, None], signed)
