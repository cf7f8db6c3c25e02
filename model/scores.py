"""Scores of probabilistic forecasts: CRPS, interval coverage, PIT."""

from __future__ import annotations

import numpy as np

LEVELS = (0.5, 0.8, 0.9)
PIT_BINS = 10


def crps(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble: E|X - y| - E|X - X'| / 2 (exact for the empirical distribution)."""
    x = np.sort(samples)
    n = len(x)
    term1 = np.mean(np.abs(x - y))
    i = np.arange(1, n + 1)
    term2 = np.sum((2 * i - n - 1) * x) / (n * n)
    return float(term1 - term2)


def score(samples: np.ndarray, y: float) -> dict[str, float]:
    out = {
        "crps": crps(samples, y),
        "pit": float(np.mean(samples <= y)),
        "median": float(np.median(samples)),
        "outcome": y,
    }
    point = len(samples) == 1  # a point forecast has no intervals and no PIT
    for lv in LEVELS:
        lo, hi = np.quantile(samples, [(1 - lv) / 2, (1 + lv) / 2])
        out[f"covered_{int(lv * 100)}"] = np.nan if point else float(lo <= y <= hi)
    if point:
        out["pit"] = np.nan
    return out


def nanmean(x: np.ndarray, axis: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        cnt = np.isfinite(x).sum(axis=axis)
        s = np.nansum(x, axis=axis)
        return np.where(cnt > 0, s / np.maximum(cnt, 1), np.nan)


def pit_counts(pit: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Number of finite PIT values of each (series, forecaster, horizon) in each bin; ``pit`` has
    dims (series, forecaster, origin, horizon); result (series, forecaster, horizon, bin)."""
    s, m, _, h = pit.shape
    out = np.zeros((s, m, h, len(edges) - 1), dtype=np.int32)
    for si, mi, hi in np.ndindex(s, m, h):
        v = pit[si, mi, :, hi]
        v = v[np.isfinite(v)]
        out[si, mi, hi] = np.histogram(np.clip(v, 0, 1 - 1e-12), edges)[0]
    return out


def pit_histogram(pit: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of the finite PIT values of each (series, forecaster) in each bin; ``pit`` has dims
    (series, forecaster, origin, horizon). NaN where there are none (a point forecast, no case)."""
    hist = np.full((*pit.shape[:2], len(edges) - 1), np.nan)
    for si, mi in np.ndindex(*pit.shape[:2]):
        v = pit[si, mi][np.isfinite(pit[si, mi])]
        if len(v):
            hist[si, mi] = np.histogram(np.clip(v, 0, 1 - 1e-12), edges)[0] / len(v)
    return hist
