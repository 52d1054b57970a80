"""The outcome of checking or importing a contacts file, and its CSV for the organiser.

Every problem names a line number and a reason, never the person's name or number:
the reasons go to a terminal and from there into logs and chat messages. The CSV
report (``--report FILE.csv``, or the console's download) also holds each problem
row's cells as they were in the file, so the organiser can fix them and import just
those rows; it is a file the organiser asked for, never logged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO

from caller_server.export import safe_cell


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (blank lines not counted)
    added: int = 0
    updated: int = 0  # rows whose external id (or name and number) was already known
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    headers: list[str] = field(default_factory=list)
    # line -> the row's cells as read, for the CSV report
    problem_cells: dict[int, list[str]] = field(default_factory=dict)

    @property
    def imported(self) -> int:
        return self.added + self.updated

    @property
    def skipped(self) -> int:
        return self.rows - self.imported

    def problem(self, line: int, reason: str, cells: list[str] | None = None) -> None:
        self.problems.append((line, reason))
        if cells is not None:
            self.problem_cells[line] = cells

    def summary(self) -> str:
        text = f"imported {self.imported}, skipped {self.skipped}"
        return text + (f" ({self.added} added, {self.updated} updated)" if self.updated else "")

    def write_csv(self, out: IO[str]) -> int:
        """Every problem row: line, reason, then the file's own columns. Rows written."""
        writer = csv.writer(out)
        writer.writerow(["line", "reason", *self.headers])
        for line, reason in sorted(self.problems):
            cells = self.problem_cells.get(line, [])
            writer.writerow([str(line), reason, *(safe_cell(c) for c in cells)])
        return len(self.problems)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        self.write_csv(buffer)
        return buffer.getvalue()


Report = ImportReport

__all__ = ["ImportReport", "Report"]
