"""Random inputs, drawn before the engine runs.

Every stream of every fiscal year of every block of ``RNG_BLOCK`` draws has its
own generator, ``SeedSequence(seed, spawn_key=(block, stream, year))``. A chunk
of draws [start, stop) regenerates exactly the blocks it overlaps, so results
are bit-for-bit identical whatever the chunking or the number of workers, and
two scenarios that share an uncertainty see the same numbers for it (common
random numbers), whatever their horizon.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from .constants import RNG_BLOCK

STREAMS = {
    "real": 1,
    "deflator": 2,
    "chi2": 3,
    "recession": 4,
    "outlook": 5,
    "fx": 6,
    "budget": 7,
    "contract": 8,
    "supp_occurs": 9,
    "supp_size": 10,
    "related": 11,
    "revision": 12,
    "shares": 13,
    "param": 14,
    "nowcast": 15,
}


@dataclass(frozen=True)
class Shocks:
    """Pre-drawn random inputs for draws [start, stop) over the projected years.

    Arrays are year-major, (n_year, n) unless noted, so that the engine reads one
    contiguous vector per year; ``years`` are the fiscal years.
    """

    years: np.ndarray
    n_real: np.ndarray
    n_deflator: np.ndarray
    chi2: np.ndarray
    u_recession: np.ndarray
    z_outlook: np.ndarray
    z_fx: np.ndarray
    z_budget: np.ndarray
    z_contract: np.ndarray
    u_supp: np.ndarray
    z_supp: np.ndarray
    z_related: np.ndarray  # (n_year, n_category, n)
    z_revision: np.ndarray  # (n,)
    z_nowcast: np.ndarray  # (n,) revision of a finished year's nowcast (jdef.nowcast)
    u_shares: dict[str, np.ndarray]  # (n,) per category with an uncertain eligible share
    z_param: dict[str, np.ndarray]  # (n,) per parameter drawn from its estimate's distribution

    @property
    def n(self) -> int:
        return self.z_revision.shape[-1]

    def apply(self, fn: Callable[[np.ndarray], np.ndarray]) -> Shocks:
        """``fn`` on every array of draws (those of ``u_shares`` and ``z_param`` too; not on
        ``years``): every such array's last axis is the draw."""

        def part(v):
            if isinstance(v, dict):
                return {k: fn(a) for k, a in v.items()}
            return v if v is self.years else fn(v)

        return Shocks(**{f.name: part(getattr(self, f.name)) for f in fields(self)})

    def block(self, start: int, stop: int) -> Shocks:
        """The shocks of draws [start, stop) (views, no copy)."""
        return self.apply(lambda a: a[..., start:stop])


def _gen(seed: int, block: int, stream: int, year: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, stream, year)))
    )


def _key(name: str) -> int:
    # a stable integer per name: crc32
    return zlib.crc32(name.encode())


def draw_shocks(
    seed: int,
    start: int,
    stop: int,
    proj_years: np.ndarray,
    n_category: int,
    share_keys: list[str],
    t_df: float,
    param_keys: tuple[str, ...] = (),
    first: dict[str, int] | None = None,
) -> Shocks:
    """Draw the random inputs of draws [start, stop).

    ``first[stream]`` is the first fiscal year a stream is used (the years before
    are known figures): earlier rows are zeros and cost no random numbers.
    """
    first = first or {}
    b0, b1 = start // RNG_BLOCK, (stop - 1) // RNG_BLOCK
    lo = start - b0 * RNG_BLOCK
    hi = lo + (stop - start)
    assert stop > start >= 0

    def yearly(stream: str, kind: str, extra: tuple[int, ...] = ()) -> np.ndarray:
        out = np.empty((len(proj_years), *extra, stop - start))
        size = (*extra, RNG_BLOCK)
        for jy, y in enumerate(proj_years):
            if y < first.get(stream, -1):
                out[jy] = 0.0
                continue
            for b in range(b0, b1 + 1):
                g = _gen(seed, b, STREAMS[stream], int(y))
                # the part of block b inside [start, stop), and where it goes in ``out``
                s0, s1 = max(start - b * RNG_BLOCK, 0), min(stop - b * RNG_BLOCK, RNG_BLOCK)
                d0 = b * RNG_BLOCK + s0 - start
                whole = s0 == 0 and s1 == RNG_BLOCK and not extra
                dest = out[jy, d0 : d0 + RNG_BLOCK] if whole else None
                if kind == "normal":
                    part = g.standard_normal(size, out=dest)
                elif kind == "uniform":
                    part = g.random(size, out=dest)
                else:
                    part = g.chisquare(t_df, size)
                if dest is None or kind == "chi2":
                    out[jy, ..., d0 : d0 + s1 - s0] = part[..., s0:s1]
        return out

    def once(stream: str, key: int, kind: str) -> np.ndarray:
        parts = []
        for b in range(b0, b1 + 1):
            g = _gen(seed, b, STREAMS[stream], key)
            parts.append(g.standard_normal(RNG_BLOCK) if kind == "normal" else g.random(RNG_BLOCK))
        return np.concatenate(parts)[lo:hi]

    return Shocks(
        years=np.asarray(proj_years),
        n_real=yearly("real", "normal"),
        n_deflator=yearly("deflator", "normal"),
        chi2=yearly("chi2", "chi2"),
        u_recession=yearly("recession", "uniform"),
        z_outlook=yearly("outlook", "normal"),
        z_fx=yearly("fx", "normal"),
        z_budget=yearly("budget", "normal"),
        z_contract=yearly("contract", "normal"),
        u_supp=yearly("supp_occurs", "uniform"),
        z_supp=yearly("supp_size", "normal"),
        z_related=yearly("related", "normal", (n_category,)),
        z_revision=once("revision", 0, "normal"),
        z_nowcast=once("nowcast", 0, "normal"),
        u_shares={k: once("shares", _key(k), "uniform") for k in share_keys},
        z_param={k: once("param", _key(k), "normal") for k in param_keys},
    )
