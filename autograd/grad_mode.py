"""Whether operations record a graph: ``no_grad()`` switches it off for a block.

Inside ``no_grad()`` an operation still computes its number, but its result
keeps no parents: nothing to differentiate, nothing held in memory (optimizer
steps, evaluation). PyTorch keeps the same switch in
``torch.autograd.grad_mode``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

__all__ = ["grad_enabled", "is_grad_enabled", "no_grad"]

# A ContextVar is per thread (and per asyncio task), so one notebook thread
# cannot switch tracking off for another. The engine reads it for every result.
grad_enabled = contextvars.ContextVar("autograd_grad_enabled", default=True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations build no graph (optimizer steps, evaluation).

    >>> from autograd import Value
    >>> w = Value(2.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.parents
    ()
    """
    token = grad_enabled.set(False)
    try:
        yield
    finally:
        grad_enabled.reset(token)


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return grad_enabled.get()
