"""Contract pipeline kernels: new contracts -> payments in later years, by contract vintage.

A contract of value C signed in year s pays p_0 C in year s (the first-year payment, part of
general material costs) and p_k C in year s + k, k = 1..L, with sum(p) = 1. Payments due in
year t on earlier contracts (obligatory outlays, 歳出化経費) are O_t = sum_s p_{t-s}(s) C_s,
where the profile p(s) depends on the contract's vintage: contracts signed before the buildup
(``contracts.buildup_from``, FY2023) follow the legacy profile (up to five years, the Fiscal
Act), later ones the buildup profile (up to ten years, the long-term procurement measure).

The buildup profile is uncertain: each draw tilts its weights p_1..p_L by a drawn ``tau``,
p_k(tau) = (1 - p_0) w_k e^(tau (k - mean k)) / sum_j w_j e^(tau (j - mean k)), so that a
positive tilt pays later (METHODOLOGY.md, section 5.6).
"""

from __future__ import annotations

import numpy as np


def rowsum(a: np.ndarray) -> np.ndarray:
    """Sum over the first axis row by row, in order: the rounding is the same whatever the
    number of draws (numpy's own reduction changes its order with the array's shape)."""
    out = np.zeros(a.shape[1:])
    for row in a:
        out += row
    return out


def tilted_profiles(profile: tuple[float, ...], tau: float | np.ndarray) -> np.ndarray:
    """The profile p_0..p_L in each draw for tilt(s) ``tau``: (L + 1, n), or (L + 1, 1).

    p_0 is the same in every draw; p_1..p_L keep their sum 1 - p_0.
    """
    p = np.asarray(profile, dtype=float)
    t = np.atleast_1d(np.asarray(tau, dtype=float))
    k = np.arange(1, len(p), dtype=float)
    w = p[1:, None] * np.exp(np.multiply.outer(k - k.mean(), t))
    w *= (1.0 - p[0]) / rowsum(w)
    return np.concatenate([np.full((1, t.size), p[0]), w])


def later_payments(signed: np.ndarray, profile: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Payments in the following years on contracts ``signed`` this year.

    Parameters
    ----------
    signed : ndarray, (n,)
        Contracts signed in year s, trillion yen.
    profile : tuple of float, or ndarray (L + 1, n)
        Payment shares p_0 .. p_L (sum 1), one profile or one per draw; p_0 is paid in year s.

    Returns
    -------
    ndarray, (L, n)
        Row k - 1 is p_k C, due in year s + k, trillion yen.
    """
    p = np.asarray(profile, dtype=float)
    later = p[1:] if p.ndim == 2 else p[1:, None]
    return np.multiply(later, signed)


def owed_after(
    signed: np.ndarray, profile: tuple[float, ...] | np.ndarray, year: int, last: int
) -> np.ndarray:
    """What contracts ``signed`` in ``year`` still owe after fiscal year ``last``, (n,)."""
    p = np.asarray(profile, dtype=float)
    paid = max(min(last - year, len(p) - 1), -1) + 1  # shares p_0 .. p_(last - year)
    rest = p[paid:] if p.ndim == 2 else p[paid:, None]
    return np.multiply(rowsum(rest), signed)
