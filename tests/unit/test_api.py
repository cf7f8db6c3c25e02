"""The Python API: what ``dir(jdef)`` shows, overrides as a list, a string or a mapping, and
``simulate`` streaming by default above the command line's size."""

import jdef
import pytest
from jdef.errors import InputError


def test_dir_lists_the_public_api():
    names = dir(jdef)
    for name in ("load_scenario", "simulate", "Options", "summary_text", "write_netcdf"):
        assert name in names and callable(getattr(jdef, name)), name
    assert "__version__" in names and "import_module" not in names


def test_overrides_as_list_string_or_mapping():
    as_list = jdef.load_scenario("baseline", ["post2027.growth=0.031"])
    as_str = jdef.load_scenario("baseline", "post2027.growth=0.031")  # one override
    as_map = jdef.load_scenario("baseline", {"post2027.growth": 0.031})
    assert as_list.post2027.growth == as_str.post2027.growth == as_map.post2027.growth == 0.031
    with pytest.raises(InputError, match="expected KEY=VALUE"):
        jdef.load_scenario("baseline", "growth")  # not read as 'g', 'r', 'o', ...


def test_simulate_streams_by_default_above_the_cli_size(monkeypatch):
    import jdef.runner as runner

    seen = {}

    def fake(inp, draws, seed, ex, chunk, summary_only, keep_draws):
        seen["summary_only"] = summary_only
        raise RuntimeError("stop")

    monkeypatch.setattr(runner, "summarize", fake)
    monkeypatch.setattr(runner, "check_fits", lambda *a, **k: None)
    assert jdef.Options().summary_only is None
    for draws, streams in ((runner.AUTO_STREAM_ABOVE + 1, True), (100, False)):
        with pytest.raises(RuntimeError, match="stop"):
            jdef.simulate("baseline", draws=draws)
        assert seen["summary_only"] is streams
