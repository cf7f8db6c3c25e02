"""The spending categories the engine projects (definitions, not figures).

Which categories count, and what share of each, is the job of an inclusion
policy (``scenarios/policies/*.toml``). ``kind`` says whether a category is part
of an initial budget or of a supplementary budget; policies that do not count
supplementary budgets drop the latter. ``group`` ties a category to the FY2027
targets published for groups of categories (see METHODOLOGY.md, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    long_name: str
    kind: str  # "initial" or "supplementary"
    group: str  # "mod", "four_areas", "jcg_pko", "saco", "supplementary", "proposed"


CATEGORIES: tuple[Category, ...] = (
    Category(
        "mod_core",
        "Ministry of Defense budget covered by the buildup plan (initial)",
        "initial",
        "mod",
    ),
    Category(
        "mod_supplementary",
        "Ministry of Defense supplementary budget, plan-covered part",
        "supplementary",
        "mod",
    ),
    Category(
        "saco_realignment", "SACO and US-forces realignment costs (initial)", "initial", "saco"
    ),
    Category(
        "saco_realignment_supplementary",
        "US-forces realignment costs in the supplementary budget",
        "supplementary",
        "saco",
    ),
    Category(
        "research_development",
        "Research and development of other ministries (related expenses)",
        "initial",
        "four_areas",
    ),
    Category(
        "public_infrastructure",
        "Public infrastructure: designated airports and ports (related expenses)",
        "initial",
        "four_areas",
    ),
    Category("cybersecurity", "Cybersecurity (related expenses)", "initial", "four_areas"),
    Category(
        "international_cooperation",
        "International cooperation: Official Security Assistance (related expenses)",
        "initial",
        "four_areas",
    ),
    Category("coast_guard", "Japan Coast Guard budget (initial)", "initial", "jcg_pko"),
    Category(
        "pko_other",
        "PKO and other related items outside the four areas and the Coast Guard",
        "initial",
        "jcg_pko",
    ),
    Category(
        "related_supplementary",
        "Related expenses in supplementary budgets (Coast Guard, PKO, cyber)",
        "supplementary",
        "supplementary",
    ),
    Category(
        "space",
        "Government space budget, all ministries (proposed category)",
        "initial",
        "proposed",
    ),
    Category(
        "communications_networks",
        "Protection of communications networks (proposed category)",
        "initial",
        "proposed",
    ),
    Category("shipbuilding", "Shipbuilding support (proposed category)", "initial", "proposed"),
    Category(
        "national_resilience",
        "Disaster prevention and national resilience, excluding MoD (proposed category)",
        "initial",
        "proposed",
    ),
    Category(
        "police_technology",
        "Police protection of sensitive technology (proposed category)",
        "initial",
        "proposed",
    ),
)

NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CATEGORIES)}
BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}
