"""The data loader refuses unsourced or malformed rows, naming the file and the line."""

import datetime as dt

import pytest
from jdef.constants import SHIPPED_DATA_DIR
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


# --- real-time vintages: IMF WEO editions (imf_weo.csv, imf_weo_historical.csv) ---

MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
SEASON_MONTHS = {"spring": (4, 5), "fall": (9, 10)}


def _imf_rows():
    return [
        r
        for name in ("imf_weo.csv", "imf_weo_historical.csv")
        for r in read_table(SHIPPED_DATA_DIR / name)
    ]


def test_vintage_files_load_with_their_editions():
    d = load_data(dt.date(2100, 1, 1))
    files = {r.file for r in d.rows}
    assert {"imf_weo.csv", "imf_weo_historical.csv"} <= files
    assert len(read_table(SHIPPED_DATA_DIR / "imf_weo.csv")) == 707
    assert len(read_table(SHIPPED_DATA_DIR / "imf_weo_historical.csv")) == 416
    assert (
        len(d.editions("imf_weo_nominal_gdp", "CY")) == 26
    )  # Oct 2019 and Oct 2020 have no levels
    assert len(d.editions("imf_weo_hist_real_growth", "CY")) == 70
    # billion_yen is converted to trillion yen: Oct 2025 edition, CY2025 = 632,053.269 JPY billion
    assert d.editions("imf_weo_nominal_gdp", "CY")[dt.date(2025, 10, 14)][2025] == pytest.approx(
        632.053269, rel=1e-12
    )
    # the government outlook has no gap from FY1998 to FY2026
    for s in ("gov_outlook_nominal_growth", "gov_outlook_real_growth"):
        assert set(range(1998, 2027)) <= set(d.series(s))


def test_imf_publication_date_is_in_the_month_of_its_edition():
    """The note names the edition (``Apr 2024`` or ``spring 1995``); a release day that was not
    found is the last day of the latest possible month and is listed in NOT_FOUND.md."""
    not_found = (SHIPPED_DATA_DIR / "NOT_FOUND.md").read_text(encoding="utf-8")
    days: dict[str, set[dt.date]] = {}
    for r in _imf_rows():
        assert r.publisher == "International Monetary Fund" and r.period == "CY"
        title = r.note.split("edition: IMF WEO ", 1)[1].split(" (")[0].split(";")[0]
        title = title.removesuffix(" database")
        first, year = title.split()
        assert r.published.year == int(year), (r.file, r.line)
        allowed = (MONTHS[first],) if first in MONTHS else SEASON_MONTHS[first]
        assert r.published.month in allowed, (r.file, r.line, title, r.published)
        if "release day not found" in r.note:
            assert (r.published + dt.timedelta(days=1)).day == 1, (r.file, r.line)
            assert r.published.month == max(allowed)
            assert title in not_found, title
        days.setdefault(title, set()).add(r.published)
    assert all(len(v) == 1 for v in days.values())  # one publication date per edition
    assert len(days) == 72


@pytest.mark.parametrize(
    "series,year,release,before,after",
    [
        # Apr 2024 WEO, released 2024-04-16: before it the Oct 2023 edition is the latest
        ("imf_weo_nominal_gdp", 2024, dt.date(2024, 4, 16), 613.239582, 610.401282),
        ("imf_weo_real_growth", 2024, dt.date(2024, 4, 16), 0.01033, 0.00855),
        # Oct 2008 WEO, released 2008-10-08, replaces the Apr 2008 forecast of 2009
        ("imf_weo_hist_real_growth", 2009, dt.date(2008, 10, 8), 0.014893, 0.004646),
    ],
)
def test_as_of_sees_the_previous_edition_before_a_release_and_the_new_one_from_it(
    series, year, release, before, after
):
    prev = load_data(release - dt.timedelta(days=1)).series(series, "CY")
    new = load_data(release).series(series, "CY")
    assert prev[year] == pytest.approx(before, rel=1e-12)
    assert new[year] == pytest.approx(after, rel=1e-12)
