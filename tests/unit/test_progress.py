"""Progress bars go to stderr only, and only when asked for (a terminal); status lines too."""

import io
import sys

from jdef import progress


def test_bars_draw_on_stderr_only(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with progress.bars(enabled=True) as p:
        tick = progress.task("chunks of draws", 3)
        for _ in range(3):
            tick(1)
        p.refresh()
        progress.status("wrote x.nc")
    assert out.getvalue() == ""
    assert "chunks of draws" in err.getvalue() and "wrote x.nc" in err.getvalue()


def test_silent_when_stderr_is_not_a_terminal(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress.bars():
        tick = progress.task("chunks of draws", 3)
        tick(3)
        progress.status("wrote x.nc")
    assert err.getvalue() == "wrote x.nc\n"


def test_no_active_bars_costs_nothing():
    tick = progress.task("anything", 10)
    assert tick(1) is None
    assert progress.counted(lambda x: x + 1, tick)(1) == 2


def test_cli_results_on_stdout_status_on_stderr(tmp_path):
    from jdef.cli import app
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["run", "baseline", "--draws", "300", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Probability that counted spending" in res.stdout
    assert "wrote" not in res.stdout and "\x1b" not in res.stdout
    assert res.stderr.strip() == f"wrote {tmp_path / 'baseline.nc'}"
