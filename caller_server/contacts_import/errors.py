"""The import's whole-file error, apart so every module of the package can raise it."""

from __future__ import annotations


class ContactsFileError(ValueError):
    """The file as a whole cannot be imported (encoding, header, mapping, campaign)."""
