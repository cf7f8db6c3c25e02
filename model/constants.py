"""Names, units and calendar constants, defined once."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

# Dimension names
DRAW = "draw"
YEAR = "fiscal_year"
POLICY = "policy"
CATEGORY = "category"
THRESHOLD = "threshold"
PERCENTILE = "percentile"  # of the Monte Carlo distribution, in % (IMPROVER's name)
SCENARIO = "scenario"
TARGET_AMOUNT = "target_amount"  # targets stated as amounts (trillion yen)
PUBLISHED = "published_figure"  # the published figures of the reconciliation table
DECISION = "decision"  # announced decisions (calibration/data/decisions.csv)

# Units
TRILLION_YEN = "1e12"  # a pure scale: UDUNITS has no currency; the currency is in the attributes
FRACTION = "1"

# Conversion of the data pack's units into the model's unit (trillion yen)
UNIT_TO_TRILLION = {"trillion_yen": 1.0, "oku_yen": 1e-4, "billion_yen": 1e-3}

# The Defense Buildup Program (FY2023-FY2027)
PLAN_FIRST_YEAR = 2023
PLAN_LAST_YEAR = 2027

# The goals every summary reports: 2% of GDP (the plan's FY2027 goal) and 3.5% (NATO's core level)
GOAL_THRESHOLDS = (0.02, 0.035)

# Output axis starts with the plan's first year
OUTPUT_FIRST_YEAR = PLAN_FIRST_YEAR

# Random numbers are generated in fixed blocks of draws, each from its own
# SeedSequence child, so results do not depend on how draws are chunked.
RNG_BLOCK = 4096

# the percentiles every result holds (the coordinate ``percentile``, in %); the same as
# fractions for the computations (5 / 100 is the double nearest 0.05)
DEFAULT_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
DEFAULT_QUANTILES = tuple(p / 100 for p in DEFAULT_PERCENTILES)


def _shipped_root() -> Path:
    """Where the shipped ``scenarios/`` and ``calibration/`` are.

    In an installed wheel they are package data inside the ``jdef`` package; in jdef's own
    checkout (an editable install, or the source tree) they sit beside the package folder
    ``model/``, as the project layout asks.
    """
    package = Path(str(files("jdef")))
    return package if (package / "scenarios").is_dir() else package.parent


PACKAGE_DIR = Path(str(files("jdef")))
SHIPPED_ROOT = _shipped_root()
CALIBRATION_DIR = SHIPPED_ROOT / "calibration"
PARAMS_FILE = CALIBRATION_DIR / "params.toml"
SCENARIO_DIR = SHIPPED_ROOT / "scenarios"
POLICY_DIR = SCENARIO_DIR / "policies"

# The data folder: the shipped one, or a user's own (JDEF_DATA_DIR; --data-dir on the CLI)
DATA_DIR_ENV = "JDEF_DATA_DIR"
SHIPPED_DATA_DIR = CALIBRATION_DIR / "data"


def default_data_dir() -> Path:
    """``$JDEF_DATA_DIR`` when set (a user's own data folder), else the shipped data."""
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else SHIPPED_DATA_DIR
