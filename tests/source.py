"""Python source parsed for the tests that read the code itself."""

from __future__ import annotations

import ast
import gc


def parse(source: str) -> ast.Module:
    """`ast.parse`, with the garbage collector held off while it runs.

    On Python 3.11 a finalizer that logs with a traceback during a collection parses too (the
    traceback's carets), and the outer parse then fails with "AST constructor recursion depth
    mismatch". What the collector would free waits until the parse is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source)
    finally:
        if enabled:
            gc.enable()
