"""The figure sections: fan charts, and the probability of reaching the targets."""

from __future__ import annotations

import xarray as xr

from .. import access
from ..figures.fans import common_ylim, gdp_fan, policy_fans
from ..figures.probabilities import PROB_MEASURES, batch_probabilities, run_probabilities
from ..format import esc, fmt_threshold
from ..html import SECTIONS, Figures


def fans_section(figs: Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    """GDP, then counted spending and the ratio per policy (per scenario in a batch, on one
    shared scale)."""
    out = [
        f'<section id="fan-charts"><h2>{SECTIONS["fan-charts"]}</h2>',
        '<p class="note">Lines are medians; the darkest band holds the middle 50% of draws '
        "(25th to 75th percentile), the next 80% (10th to 90th), the lightest 90% (5th to "
        "95th). Where the bands collapse to the dark line the figures are known (published) "
        "rather than projected; the dotted line marks where the projection starts. The "
        "ratio's panels show the 2% and 3.5% goals and, where the policy file names one, the "
        "policy's own target.</p>",
    ]
    fig = gdp_fan(ds, scs)
    if fig is not None:
        name = figs.save(fig, "fan_nominal_gdp")
        out.append(
            figs.img(name, "Fan chart of nominal GDP", "Nominal GDP (trillion yen), 2020 base.")
        )
    targets = access.targets(ds)
    lim_c = common_ylim(ds["counted_spending"], 1.0, []) if len(scs) > 1 else None
    lim_r = common_ylim(ds["spending_ratio"], 100.0, targets) if len(scs) > 1 else None
    for sc in scs:
        part = access.part(ds, sc)
        suffix = f"_{access.slug(sc)}" if sc is not None else ""
        of = f" ({sc})" if sc else ""
        if sc is not None:
            out.append(f"<h3>Scenario {esc(sc)}</h3>")
        fig = policy_fans(
            part,
            "counted_spending",
            "Counted spending by inclusion policy" + of,
            "counted spending (trillion yen)",
            1.0,
            [],
            lim_c,
        )
        if fig is not None:
            name = figs.save(fig, f"fan_counted_spending{suffix}")
            out.append(
                figs.img(
                    name,
                    "Fan charts of counted spending per policy",
                    "Spending counted by each inclusion policy (trillion yen).",
                )
            )
        fig = policy_fans(
            part,
            "spending_ratio",
            "Counted spending / GDP denominator by inclusion policy" + of,
            "% of GDP (policy's denominator)",
            100.0,
            targets,
            lim_r,
        )
        if fig is not None:
            name = figs.save(fig, f"fan_spending_ratio{suffix}")
            out.append(
                figs.img(
                    name,
                    "Fan charts of the spending ratio per policy",
                    "Counted spending as % of the policy's GDP denominator; dashed lines are "
                    "the targets " + " and ".join(fmt_threshold(t) for t in targets) + ".",
                )
            )
    out.append("</section>")
    return "".join(out)


def _batch_figure_name(m: str, t: float) -> str:
    kind = "in_year" if m.endswith("above_threshold") else "reached_by_year"
    return f"probability_{kind}_{fmt_threshold(t).rstrip('%').replace('.', 'p')}pct"


def probabilities_section(figs: Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    """One figure of every measure and target for a run; one per measure and target for a batch."""
    out = [
        f'<section id="probabilities"><h2>{SECTIONS["probabilities"]}</h2>',
        '<p class="note">"In the fiscal year": the ratio is at or above the target that year. '
        '"Reached": it has been at or above the target in at least one year from FY2023 up to '
        "that year. Shaded bands are the 95% Clopper-Pearson intervals of the Monte Carlo "
        "estimate.</p>",
    ]
    targets = access.targets(ds)
    if scs[0] is None:
        fig = run_probabilities(ds, targets)
        if fig is not None:
            name = figs.save(fig, "probability_of_targets")
            out.append(
                figs.img(
                    name,
                    "Probability of reaching the targets by fiscal year, one line per policy",
                    "Probability of reaching "
                    + " and ".join(fmt_threshold(t) for t in targets)
                    + " by fiscal year, one line per policy.",
                )
            )
    else:
        for m, what in PROB_MEASURES.items():
            if m not in ds:
                continue
            for t in targets:
                fig = batch_probabilities(ds, [str(s) for s in scs], m, t)
                if fig is None:
                    continue
                name = figs.save(fig, _batch_figure_name(m, t))
                p = f"P(ratio ≥ {fmt_threshold(t)}), {esc(what)}"
                out.append(f"<h3>Reaching {fmt_threshold(t)}: {esc(what)}</h3>")
                out.append(
                    figs.img(
                        name,
                        f"Probability of reaching {fmt_threshold(t)} ({what}), one panel per "
                        "policy, one line per scenario",
                        f"{p}: one panel per policy, one line per scenario.",
                    )
                )
    if not targets:
        out.append('<p class="note">This result has neither the 2% nor the 3.5% threshold.</p>')
    out.append("</section>")
    return "".join(out)
