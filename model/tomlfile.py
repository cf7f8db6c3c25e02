"""Reading a small TOML input file (a scenario or a policy) safely.

Only a regular file of a bounded size is read: a folder, FIFO or device could fail, block or
never end, and an input file is small and readable by design.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError


def read_toml(path: Path, max_bytes: int, kind: str) -> dict[str, Any]:
    """The TOML table of ``path``, a ``kind`` file ("scenario", "policy") of at most ``max_bytes``.

    Raises
    ------
    InputError
        Naming the file: not found, not a regular file, too large, unreadable, not UTF-8 or not
        valid TOML.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(path, "", "file not found") from None
    except OSError as exc:
        raise InputError(path, "", f"cannot read ({exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "", "not a regular file")
    if info.st_size > max_bytes:
        raise InputError(path, "", f"larger than {max_bytes} bytes: not a {kind} file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, "", f"cannot read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, "", f"not valid TOML ({exc})") from None
