"""The report's charts, one module per family: each builder takes the Dataset and returns a
matplotlib ``Figure`` (or None when there is nothing to draw); saving is the caller's.

matplotlib is imported inside the functions (the Agg canvas, never pyplot), so importing
``jdef.report`` and ``jdef --help`` stay fast.
"""
