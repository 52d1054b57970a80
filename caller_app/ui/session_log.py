"""Who I called this session, kept in memory for the "This session" list (no Qt).

Names stay in memory only, for this run of the app: the outbox keeps no names (it
outlives a sign-out), and the store deletes contacts once their batch is done. Each
entry is one call with its current result; a correction replaces the result it
corrects, so every call is listed once with the outcome that stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from caller_app.domain.models import Contact, Result


@dataclass
class SessionEntry:
    contact: Contact
    result: Result  # the call's current result (its latest correction)
    corrections: int = 0


class SessionLog:
    def __init__(self) -> None:
        self._entries: list[SessionEntry] = []

    def recorded(self, result: Result, contact: Contact) -> None:
        """A call saved, or a correction of one already listed."""
        if result.supersedes is not None:
            entry = self.entry(result.supersedes)
            if entry is not None:
                entry.result = result
                entry.corrections += 1
                return
        self._entries.append(SessionEntry(contact, result))

    def undone(self, result: Result, restored: Result | None) -> None:
        """`result` was taken back; a correction gives way to the result it corrected."""
        entry = self.entry(result.id)
        if entry is None:
            return
        if result.supersedes is not None and restored is not None:
            entry.result = restored
            entry.corrections = max(0, entry.corrections - 1)
        else:
            self._entries.remove(entry)

    def entry(self, result_id: str) -> SessionEntry | None:
        """The call whose current result is `result_id`."""
        return next((e for e in self._entries if e.result.id == result_id), None)

    def entries(self) -> list[SessionEntry]:
        """Newest call first."""
        return list(reversed(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
