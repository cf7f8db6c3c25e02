"""Reading and atomic writing of result files (the only module that writes).

Temporary files: every write goes to ``.NAME.PID.XXXXXXXX.jdef-tmp`` in the target folder
(unique per call, PID of the writer encoded), renamed to NAME only when complete. The suffix
``.jdef-tmp`` is no result's suffix, so no result glob (``*.nc``, ``*.png``, ``*.csv``,
``*.html``, ``*.toml``) matches a temporary file. An interrupted write removes its file
(SIGTERM and SIGINT reach the ``except`` through the command line's handlers); one left by
``kill -9`` is swept by the next write into the same folder once its writer is dead or it is
older than an hour.
"""

from __future__ import annotations

import errno
import os
import tempfile
import time
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .errors import InputError

_UMASK = os.umask(0)
os.umask(_UMASK)

TEMP_SUFFIX = ".jdef-tmp"
STALE_AFTER = 3600.0  # s: a live writer touches its file far more often than this
_LOW_SPACE = 1 << 20  # bytes: an HDF error with less free space than this is a full disk


class DiskFullError(Exception):
    """The device holding an output has no space left (exit 1)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"no space left on device writing {path}")


def _writer_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # another user's process
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files left in ``folder`` by killed writers.

    A file ``*.jdef-tmp`` goes if the PID in its name is not running, or if it was last
    written more than ``STALE_AFTER`` seconds ago (the PID may have been reused). Files of this
    process are left alone.

    Returns
    -------
    list of Path
        The files removed.
    """
    removed = []
    now = time.time()
    for p in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        try:
            pid = int(p.name.removesuffix(TEMP_SUFFIX).split(".")[-2])
        except (ValueError, IndexError):
            continue
        if pid <= 0 or pid == os.getpid():
            continue
        try:
            stale = not _writer_alive(pid) or now - p.stat().st_mtime > STALE_AFTER
            if stale:
                p.unlink()
                removed.append(p)
        except FileNotFoundError:
            continue  # its writer finished or another sweep got there first
    return removed


def check_writable(target: Path, option: str = "out") -> None:
    """Refuse, before any work, an output folder that cannot be created or written.

    Parameters
    ----------
    target : Path
        The folder to write into (created later if missing).
    option : str
        The parameter named in the error (the command line names its option).

    Raises
    ------
    InputError
        A part of the path is not a folder, or the nearest existing folder refuses a file.
    """
    existing = Path(target).absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(option, "", f"cannot write into {target}: {existing} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(
            prefix=f".probe.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=existing
        )
    except OSError as exc:
        raise InputError(option, "", f"cannot write into {target}: {exc.strerror}") from None
    os.close(fd)
    os.unlink(probe)


def _no_space(exc: BaseException, folder: Path) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    # the netCDF library reports a failed write as "NetCDF: HDF error", without errno
    if isinstance(exc, RuntimeError) and "HDF error" in str(exc):
        st = os.statvfs(folder)
        return st.f_bavail * st.f_frsize < _LOW_SPACE
    return False


def _encoding(ds: xr.Dataset) -> dict:
    enc: dict[Hashable, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if name in ds.coords and var.dtype.kind in "OU" and name in ds.dims:
            # a label coordinate as a character array (policy, string7): CF's coordinate
            # variables are numeric, and the checker's monotonicity test fails on strings
            enc[name] = {"dtype": "S1", "_FillValue": None}
        elif var.dtype.kind == "M":  # dates read back from a file (a batch's parts)
            enc[name] = {k: var.encoding[k] for k in ("units", "calendar") if k in var.encoding}
            enc[name]["_FillValue"] = None
        elif name in ds.coords or name == "time_bnds":
            enc[name] = {"_FillValue": None}
        elif var.dtype.kind in "fiu" and var.ndim > 0:
            # zlib only for the per-draw arrays of --keep-draws (``*_draws``): a third smaller
            # (37.8 against 55.3 MB at 20,000 draws). Measured here, it made the summaries
            # larger (0.77 against 0.68 MB) and a batch's paired draws 20% smaller at 13 times
            # the write time (0.35 against 0.03 s a scenario of 50,000 draws)
            enc[name] = {"zlib": True, "complevel": 4} if str(name).endswith("_draws") else {}
            if var.dtype.kind == "f":
                enc[name]["_FillValue"] = np.nan
        elif var.dtype.kind in "fiu":
            enc[name] = {"_FillValue": None}
    return enc


@contextmanager
def _atomic(path: Path) -> Iterator[str]:
    """A temporary file in the same folder, renamed to ``path`` only when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep(path.parent)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=path.parent
    )
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException as exc:
        full = _no_space(exc, path.parent)
        Path(tmp).unlink(missing_ok=True)
        if full:
            raise DiskFullError(path) from exc
        raise


def write_netcdf(ds: xr.Dataset, path: Path, conventions: bool = True) -> Path:
    """Write atomically: an interrupted write leaves no file that looks complete.

    ``conventions``: first give ``ds`` jdef's CF/ACDD conventions (:func:`jdef.conventions.apply`:
    time coordinate, ancillary variables, threshold attributes, history with the command line).
    """
    if conventions:
        from .conventions import apply

        ds = apply(ds)
    # the store directly, without xarray's dask-scheduler detection (it imports dask.array
    # and distributed, a second of start-up); the file is written by this one process
    from xarray.backends import NetCDF4DataStore

    with _atomic(path) as tmp:
        store = NetCDF4DataStore.open(tmp, mode="w", format="NETCDF4", lock=False)
        try:
            ds.dump_to_store(store, encoding=_encoding(ds))
        finally:
            store.close()
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """Write atomically: an interrupted write leaves no file that looks complete."""
    with _atomic(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def write_csv(text: str, path: Path) -> Path:
    return write_bytes(text.encode("utf-8"), path)
