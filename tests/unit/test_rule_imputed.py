"""The last known year's missing related figures are drawn by the plan's group-target rule
(issue 15): flagged 2, different per draw, a step towards the FY2027 group target."""

import numpy as np
from conftest import scenario
from jdef import categories as cats
from jdef.calendar import run_engine
from jdef.context import rule_imputed
from jdef.prepare import prepare
from jdef.runner import first_related, shocks_for
from jdef.variables import _imputed_flags


def test_fy2026_four_areas_and_pko_are_drawn_towards_the_targets():
    inp = prepare(scenario())
    m = rule_imputed(inp.axis, inp.known, inp.plan)
    drawn = {(cats.NAMES[c], int(inp.axis.years[j])) for c, j in zip(*np.nonzero(m), strict=True)}
    assert drawn == {
        ("research_development", 2026),
        ("public_infrastructure", 2026),
        ("cybersecurity", 2026),
        ("pko_other", 2026),
    }
    assert first_related(inp) == 2026
    flags = _imputed_flags(inp)
    assert (flags[m] == 2).all() and (flags[~m] <= 1).all()
    paths = run_engine(inp, shocks_for(inp, 3, 0, 500))
    j = inp.axis.idx(2026)
    for name in ("research_development", "pko_other"):
        x = paths.spending[j, cats.INDEX[name]]
        carried = inp.known.spending[cats.INDEX[name], j]
        assert x.std() > 0  # its own uncertainty
        assert np.median(x) > carried  # a step towards the FY2027 target, above FY2025's level
    # published FY2026 figures are untouched
    oc = cats.INDEX["international_cooperation"]
    np.testing.assert_array_equal(paths.spending[j, oc], inp.known.spending[oc, j])
