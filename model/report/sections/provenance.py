"""The provenance section: the result's attributes, data hashes and the resolved scenario(s)."""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr

from ..format import esc
from ..html import SECTIONS, attrs

PROVENANCE_ATTRS = (
    ("title", "Title"),
    ("scenarios", "Scenarios"),
    ("draws", "Draws"),
    ("seed_entropy", "Seed (entropy)"),
    ("model_version", "Model version"),
    ("git_commit", "Git commit"),
    ("numerical_kernels", "Numerical kernels"),
    ("data_vintage", "Data vintage"),
    ("as_of", "Data as of"),
    ("date_created", "Created"),
    ("history", "History"),
    ("scenario_sha256", "Scenario SHA-256"),
    ("calibration_sha256", "Calibration SHA-256"),
    ("Conventions", "Conventions"),
    ("source", "Source"),
)


SCENARIO_NOTE = (
    '<p class="note">The scenario file\'s <code>draws</code> and <code>seed</code> are defaults '
    "that the command line may override; the draws and seed this result used are listed "
    "above.</p>"
)


def pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True)
    except (TypeError, ValueError):
        return text


def provenance_section(ds: xr.Dataset, scs: list[str | None], result_path: Path) -> str:
    a = ds.attrs
    out = [
        f'<section id="provenance"><h2>{SECTIONS["provenance"]}</h2><dl class="prov">',
        f"<dt>Result file</dt><dd><code>{esc(result_path.name)}</code></dd>",
    ]
    for key, label in PROVENANCE_ATTRS:
        if key in a and str(a[key]) != "":
            out.append(f"<dt>{esc(label)}</dt><dd{attrs(attr=key)}>{esc(a[key])}</dd>")
    out.append("</dl>")
    for key, label in (
        ("first_projected_year", "First projected year of each block"),
        ("data_sha256", "Data files (SHA-256)"),
    ):
        if key in a:
            out.append(f"<h3>{esc(label)}</h3><pre>{esc(pretty_json(a[key]))}</pre>")
    by_scenario = _by_scenario(a.get("scenario"), scs)
    if by_scenario:
        # a batch file holds each scenario's resolved definition (jdef.conventions.batch_attrs)
        for sc in scs:
            text = by_scenario.get(str(sc))
            if text:
                out.append(
                    f"<h3>Scenario {esc(sc)} (resolved)</h3>{SCENARIO_NOTE}"
                    f"<pre{attrs(attr='scenario', scenario=sc)}>{esc(pretty_json(text))}</pre>"
                )
    elif "scenario" in a and scs[0] is None:
        out.append(
            "<h3>Scenario (resolved)</h3>"
            + SCENARIO_NOTE
            + f"<pre{attrs(attr='scenario')}>{esc(pretty_json(a['scenario']))}</pre>"
        )
    elif scs[0] is not None:
        for sc in scs:
            sib = result_path.parent / f"{sc}.nc"
            text, note = None, ""
            if sib.exists():
                try:
                    with xr.open_dataset(sib) as s:
                        sa = dict(s.attrs)
                    if sa.get("seed_entropy") != a.get("seed_entropy") or sa.get("draws") != a.get(
                        "draws"
                    ):
                        note = (
                            f" (from {sib.name}, whose seed or draws differ from this batch's: "
                            "it may be from another run)"
                        )
                    else:
                        note = f" (from {sib.name})"
                    text = sa.get("scenario")
                except (OSError, ValueError):
                    text = None
            if text:
                out.append(
                    f"<h3>Scenario {esc(sc)} (resolved){esc(note)}</h3>{SCENARIO_NOTE}"
                    f"<pre{attrs(attr='scenario', scenario=sc)}>{esc(pretty_json(text))}</pre>"
                )
            else:
                out.append(
                    f'<p class="note">Scenario {esc(sc)}: its definition is not in the batch file '
                    f"and <code>{esc(sib.name)}</code> was not found next to it.</p>"
                )
    out.append("</section>")
    return "".join(out)


def _by_scenario(text: object, scs: list) -> dict[str, str]:
    """A batch's ``scenario`` attribute, {name: resolved scenario JSON}, or {}."""
    import json

    if scs[0] is None or not isinstance(text, str):
        return {}
    try:
        d = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(d, dict) or not set(map(str, scs)) <= set(d):
        return {}
    return {str(k): str(v) for k, v in d.items()}
