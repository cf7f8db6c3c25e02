"""The data loader refuses unsourced or malformed rows, naming the file and the line."""

import datetime as dt

import pytest
from jdef.data import COLUMNS, load_data, read_table
from jdef.errors import InputError

HEAD = ",".join(COLUMNS) + "\n"
GOOD = "x,FY,2024,1.5,trillion_yen,Pub,https://example.org,2024-05-01,\n"


def _write(tmp_path, body):
    f = tmp_path / "t.csv"
    f.write_text(HEAD + GOOD + body)
    return f


@pytest.mark.parametrize(
    "row,field",
    [
        ("x,FY,2025,1.5,trillion_yen,Pub,,2024-05-01,\n", "source_url"),
        ("x,FY,2025,1.5,trillion_yen,,https://e.org,2024-05-01,\n", "publisher"),
        ("x,FY,2025,abc,trillion_yen,Pub,https://e.org,2024-05-01,\n", "value"),
        ("x,FY,2025,1.5,trillion_yen,Pub,https://e.org,May 2024,\n", "published"),
        ("x,FY,2025,1.5,dollars,Pub,https://e.org,2024-05-01,\n", "unit"),
        ("x,FY,2025,nan,trillion_yen,Pub,https://e.org,2024-05-01,\n", "finite"),
        ("x,FY,2025,inf,trillion_yen,Pub,https://e.org,2024-05-01,\n", "finite"),
        ("x,FY,2025,-1.5,oku_yen,Pub,https://e.org,2024-05-01,\n", "negative"),
        ("x,FY,2024,1.5,trillion_yen,Pub,https://example.org,2024-05-01,\n", "duplicates line 2"),
    ],
)
def test_bad_rows_refused(tmp_path, row, field):
    f = _write(tmp_path, row)
    with pytest.raises(InputError) as e:
        read_table(f)
    msg = str(e.value)
    assert "t.csv" in msg and "line 3" in msg and field in msg


def test_as_of_hides_later_figures():
    early = load_data(dt.date(2025, 6, 1))
    late = load_data(dt.date(2026, 11, 25))
    assert 2026 not in early.series("mod_initial_excl")
    assert late.series("mod_initial_excl")[2026] == pytest.approx(8.8093)


def test_shipped_data_all_sourced():
    d = load_data(dt.date(2100, 1, 1))
    assert len(d.rows) > 400
    assert all(r.source_url.startswith("http") and r.publisher for r in d.rows)
