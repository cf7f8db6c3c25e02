"""``python -m jdef.cli``: the same as the ``jdef`` command."""

from . import main

main()
