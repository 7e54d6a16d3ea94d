"""Errors a person (or the planner) can act on, each with a stable code.

Two families, both carrying a `code` that never changes when a class is renamed: clients,
eval scripts and the planner match on the code, people read the message.
- `ShopError` (a ValueError): a request the shop refuses or cannot read, e.g. `return_refused`,
  `not_found`, `photo_unusable`.
- `NotReady` (a FileNotFoundError): something to build or download first: an index, a trained
  model, a dataset (`not_ready`).
Anything else raised while serving a request is a bug: the tool registry logs it with its
traceback and the shopper gets a plain apology (agent/tools/registry.py).
"""

from __future__ import annotations


class ShopError(ValueError):
    """A refusal with a message a person can act on; `code` is stable."""

    code = "shop_error"

    def __init__(self, message: str = "", code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NotReady(FileNotFoundError):
    """Something has to be built or downloaded first; the message says which command does it."""

    code = "not_ready"


def code_of(exc: BaseException) -> str | None:
    """The stable code of an error a person can fix, or None for a bug."""
    return exc.code if isinstance(exc, (ShopError, NotReady)) else None
