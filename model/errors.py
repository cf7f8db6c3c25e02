"""One exception type for bad input: it names the file (or the parameter) and the field."""

from __future__ import annotations


class InputError(Exception):
    """Invalid user or data input (exit code 2).

    Parameters
    ----------
    file : str
        The file at fault; for a bad argument of a library function, the parameter's name
        (``draws``, ``as_of``, ``overrides``, ...), optionally followed by a space and the item
        of it at fault (``overrides draws=-5``). The command line names its own option instead.
    field : str
        The key, column or row at fault ("" when the parameter is the whole story).
    message : str
        What is wrong and, where possible, what is allowed.
    """

    def __init__(self, file: object, field: str, message: str):
        self.file = str(file)
        self.field = field
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"
