"""The base of every error a user can fix. Each layer raises its own subclass with a message
that names the fix; the CLI prints it as one line, the UI as a message, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, a missing model, a damaged index."""
