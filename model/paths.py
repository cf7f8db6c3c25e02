"""Output paths: every file a command writes is named here, and lies inside its output folder.

A scenario's name is already a safe stem (``scenario_schema.NAME_PATTERN``); this is the check
at the other end, for every name, wherever it comes from: a plain file name (no separator, not
empty, not ``.`` or ``..``) that, once symbolic links are followed, still lies inside the
folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError


def output_path(out: str | Path, *names: str) -> Path:
    """``out/NAME/...``, checked to lie inside ``out``.

    Parameters
    ----------
    out : str or Path
        The output folder (``--out``); it need not exist yet.
    *names : str
        The path below it, one plain file or folder name each (e.g. a stem with its suffix,
        or ``STEM_figures`` and a figure's file name).

    Returns
    -------
    Path
        ``out`` joined with ``names``, as given (not resolved), so that messages show the
        path the user knows.

    Raises
    ------
    InputError
        Naming ``out`` and the name at fault: empty, ``.`` or ``..``, a separator or NUL in it,
        or a path that leaves ``out`` through a symbolic link.
    """
    out = Path(out)
    for name in names:
        if name in ("", ".", "..") or any(c in name for c in ("/", "\\", "\0", os.sep)):
            raise InputError("out", repr(name), "not a plain file name inside the output folder")
    path = out.joinpath(*names)
    root = out.resolve()
    if not path.resolve().is_relative_to(root):
        raise InputError(
            "out", str(path), f"leads outside the output folder {root} (a symbolic link)"
        )
    return path
