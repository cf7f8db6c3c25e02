"""Loaders for ``calibration/data/*.csv``: sourced rows, validated, with vintages.

Every row must carry a publisher, a source URL and a publication date. A file
with a missing source or a malformed value is refused with an error naming the
file and the line. ``as_of`` drops every row published after that date, so a
run made "as of" a past date uses nothing published later.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .constants import UNIT_TO_TRILLION, default_data_dir
from .errors import InputError

COLUMNS = (
    "series",
    "period",
    "year",
    "value",
    "unit",
    "publisher",
    "source_url",
    "published",
    "note",
)
REQUIRED = COLUMNS[:-1]  # every column but the note must be filled
UNITS = {"trillion_yen", "oku_yen", "billion_yen", "percent", "jpy_per_usd", "ratio", "years"}


@dataclass(frozen=True)
class Row:
    series: str
    period: str
    year: int
    value: float
    unit: str
    publisher: str
    source_url: str
    published: dt.date
    note: str
    file: str
    line: int


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            path, "", f"cannot read data file ({exc.__class__.__name__}: {exc})"
        ) from None


def read_table(path: Path, raw: bytes | None = None) -> list[Row]:
    """Read and validate one data file (``raw``: its bytes, if already read)."""
    raw = _read_bytes(path) if raw is None else raw
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as spreadsheets write, is not data
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            path, f"line {line}", f"not UTF-8 text (byte {raw[exc.start]:#04x}); save as UTF-8"
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        raise InputError(
            path, "header", f"expected columns {','.join(COLUMNS)}; found {','.join(header)}"
        )
    rows: list[Row] = []
    seen: dict[tuple, int] = {}
    for line, rec in enumerate(reader, start=2):
        where = f"line {line}"
        if None in rec or any(v is None for v in rec.values()):
            raise InputError(path, where, "wrong number of fields")
        for col in REQUIRED:
            if not rec[col].strip():
                raise InputError(
                    path,
                    f"{where}, column '{col}'",
                    "is empty: every figure needs its value and source",
                )
        if not rec["source_url"].startswith("http"):
            raise InputError(
                path, f"{where}, column 'source_url'", f"not a URL: {rec['source_url']!r}"
            )
        try:
            value = float(rec["value"])
        except ValueError:
            raise InputError(
                path, f"{where}, column 'value'", f"not a number: {rec['value']!r}"
            ) from None
        if not math.isfinite(value):
            raise InputError(
                path, f"{where}, column 'value'", f"not a finite number: {rec['value']!r}"
            )
        try:
            year = int(rec["year"])
        except ValueError:
            raise InputError(
                path, f"{where}, column 'year'", f"not an integer: {rec['year']!r}"
            ) from None
        try:
            published = dt.date.fromisoformat(rec["published"].strip())
        except ValueError:
            raise InputError(
                path,
                f"{where}, column 'published'",
                f"not an ISO date YYYY-MM-DD: {rec['published']!r}",
            ) from None
        unit = rec["unit"].strip()
        if unit not in UNITS:
            raise InputError(
                path,
                f"{where}, column 'unit'",
                f"unknown unit {unit!r}; allowed: {', '.join(sorted(UNITS))}",
            )
        if unit in UNIT_TO_TRILLION and value < 0:
            raise InputError(
                path, f"{where}, column 'value'", f"a money amount cannot be negative: {value}"
            )
        key = (rec["series"].strip(), rec["period"].strip(), year, published)
        if key in seen:
            raise InputError(
                path,
                where,
                f"duplicates line {seen[key]} (same series, period, year and publication date)",
            )
        seen[key] = line
        rows.append(
            Row(
                rec["series"].strip(),
                rec["period"].strip(),
                year,
                value,
                unit,
                rec["publisher"].strip(),
                rec["source_url"].strip(),
                published,
                rec["note"].strip(),
                path.name,
                line,
            )
        )
    return rows


@dataclass(frozen=True)
class DataStore:
    """All sourced rows visible at ``as_of``; lookups return model units."""

    rows: tuple[Row, ...]
    as_of: dt.date
    hashes: dict[str, str] = field(default_factory=dict)

    @cached_property
    def _index(self) -> dict[tuple[str, str], list[Row]]:
        """The rows of each (series, period), in file order (built once: lookups are many)."""
        index: dict[tuple[str, str], list[Row]] = {}
        for r in self.rows:
            index.setdefault((r.series, r.period), []).append(r)
        return index

    def _find(self, series: str, period: str) -> list[Row]:
        return list(self._index.get((series, period), ()))

    def series(self, name: str, period: str = "FY") -> dict[int, float]:
        """Values by year, converted to trillion yen (money), fractions (percent) or as is."""
        out: dict[int, float] = {}
        for values in self.editions(name, period).values():  # oldest first: a later vintage wins
            out.update(values)
        return dict(sorted(out.items()))

    def editions(self, name: str, period: str = "FY") -> dict[dt.date, dict[int, float]]:
        """Every visible vintage of a series: publication date -> values by year (model units)."""
        out: dict[dt.date, dict[int, float]] = {}
        for r in self._find(name, period):
            out.setdefault(r.published, {})[r.year] = convert(r)
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def nominal_gdp(self) -> dict[int, float]:
        """Nominal GDP by fiscal year from the latest base visible:
        the 2020 base, else the 2015 base."""
        return self.series("nominal_gdp") or self.series("nominal_gdp_2015base")

    def value(self, name: str, year: int, period: str = "FY") -> float:
        s = self.series(name, period)
        if year not in s:
            raise InputError(
                default_data_dir(),
                f"series '{name}' {period}{year}",
                f"no figure published by {self.as_of.isoformat()}",
            )
        return s[year]

    def get(
        self, name: str, year: int, period: str = "FY", default: float | None = None
    ) -> float | None:
        return self.series(name, period).get(year, default)

    def vintage(self) -> str:
        """The latest publication date among the rows in use."""
        return max(r.published for r in self.rows).isoformat() if self.rows else ""


def convert(r: Row) -> float:
    if r.unit in UNIT_TO_TRILLION:
        return r.value * UNIT_TO_TRILLION[r.unit]
    if r.unit == "percent":
        return r.value / 100.0
    return r.value


def load_data(as_of: dt.date, data_dir: Path | None = None) -> DataStore:
    """Load every ``*.csv`` in ``data_dir`` (default: :func:`~jdef.constants.default_data_dir`)
    and keep the rows published by ``as_of``."""
    data_dir = default_data_dir() if data_dir is None else data_dir
    files = sorted(data_dir.glob("*.csv"))
    if not files:
        raise InputError(data_dir, "", "no data files (*.csv) found")
    rows: list[Row] = []
    hashes: dict[str, str] = {}
    first: dict[tuple, Row] = {}  # each key is published once, across all the files
    for f in files:
        raw = _read_bytes(f)
        for r in read_table(f, raw):
            key = (r.series, r.period, r.year, r.published)
            if key in first:
                o = first[key]
                raise InputError(
                    f,
                    f"line {r.line}",
                    f"duplicates {Path(o.file).name} line {o.line} (same series, period, year and "
                    "publication date): keep one of the two",
                )
            first[key] = r
            rows.append(r)
        hashes[f.name] = hashlib.sha256(raw).hexdigest()
    visible = tuple(r for r in rows if r.published <= as_of)
    return DataStore(visible, as_of, hashes)
