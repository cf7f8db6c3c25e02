"""The summary header names both dates: the run's as-of date and the data vintage (the
latest publication date among the rows the run used), which differ (issue 14, item 7)."""

import datetime as dt

import pytest
from jdef.cli import app
from jdef.data import load_data
from typer.testing import CliRunner


@pytest.mark.parametrize("as_of", ["2026-03-01", "2026-11-25"])
def test_header_gives_as_of_and_data_vintage(tmp_path, as_of):
    res = CliRunner().invoke(
        app, ["run", "baseline", "--draws", "50", "--as-of", as_of, "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    vintage = load_data(dt.date.fromisoformat(as_of)).vintage()
    assert vintage < as_of
    assert f"as of {as_of}, data vintage {vintage} " in res.stdout.splitlines()[1]
