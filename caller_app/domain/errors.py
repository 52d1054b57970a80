"""The one base class of failures the volunteer is told about in words.

An `ExpectedFailure` (offline, signed out, disk full, ...) carries its sentence as
`str(exc)`; the UI shows it as it is. Anything else is a bug: logged with its
traceback, shown as "something unexpected". Here, in the domain, so that the API
client's and the store's errors share it without the UI importing either.
"""

from __future__ import annotations


class ExpectedFailure(Exception):
    """A failure with a volunteer-facing sentence as its message."""
