"""Reading and atomic writing of result files (the only module that writes)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

_UMASK = os.umask(0)
os.umask(_UMASK)


def _encoding(ds: xr.Dataset) -> dict:
    enc: dict[Hashable, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if name in ds.coords:
            enc[name] = {"_FillValue": None}
        elif var.dtype.kind in "fiu" and var.ndim > 0:
            enc[name] = {"zlib": True, "complevel": 4}
            if var.dtype.kind == "f":
                enc[name]["_FillValue"] = np.nan
        elif var.dtype.kind in "fiu":
            enc[name] = {"_FillValue": None}
    return enc


@contextmanager
def _atomic(path: Path) -> Iterator[str]:
    """A temporary file in the same folder, renamed to ``path`` only when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_netcdf(ds: xr.Dataset, path: Path) -> Path:
    """Write atomically: an interrupted write leaves no file that looks complete."""
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
