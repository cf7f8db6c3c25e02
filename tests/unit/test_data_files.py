"""Data files as a careless user leaves them: a byte-order mark, a non-UTF-8 byte, and the
same figure in two files. Each is either read as meant or refused naming the file and line."""

import datetime as dt
from pathlib import Path

import pytest
from jdef.data import COLUMNS, load_data, read_table
from jdef.errors import InputError

HEAD = ",".join(COLUMNS) + "\n"
ROW = "x,FY,{year},1.5,trillion_yen,Pub,https://example.org,2024-05-01,\n"
LATE = dt.date(2100, 1, 1)


def _csv(path: Path, *years: int, prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + (HEAD + "".join(ROW.format(year=y) for y in years)).encode())
    return path


def test_byte_order_mark_is_not_part_of_the_header(tmp_path: Path) -> None:
    rows = read_table(_csv(tmp_path / "bom.csv", 2024, prefix=b"\xef\xbb\xbf"))
    assert [(r.series, r.year, r.value) for r in rows] == [("x", 2024, 1.5)]


def test_non_utf8_byte_is_reported_by_line(tmp_path: Path) -> None:
    f = _csv(tmp_path / "latin.csv", 2023)
    f.write_bytes(
        f.read_bytes() + b"x,FY,2024,1.5,trillion_yen,Caf\xe9,https://e.org,2024-05-01,\n"
    )
    with pytest.raises(InputError) as e:
        read_table(f)
    assert e.value.file == str(f) and e.value.field == "line 3" and "0xe9" in e.value.message


def test_same_figure_in_two_files_names_both(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", 2023, 2024)
    _csv(tmp_path / "b.csv", 2025, 2024)
    with pytest.raises(InputError) as e:
        load_data(LATE, tmp_path)
    assert e.value.file == str(tmp_path / "b.csv") and e.value.field == "line 3"
    assert "a.csv line 3" in e.value.message


def test_distinct_figures_across_files_load(tmp_path: Path) -> None:
    _csv(tmp_path / "a.csv", 2023)
    _csv(tmp_path / "b.csv", 2024)
    assert load_data(LATE, tmp_path).series("x") == {2023: 1.5, 2024: 1.5}
