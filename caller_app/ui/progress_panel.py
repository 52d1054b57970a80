"""Session progress, always visible: the volunteer's own numbers first.

The team tally comes from the server; the leaderboard stays hidden until the
volunteer opts in (the default view is their progress, not a ranking).
"""

from __future__ import annotations

import datetime as dt
import math

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from caller_app.domain.models import Connectivity, SessionStats, SyncStatus, TeamProgress
from caller_app.ui.formatting import RATE_AFTER_S, clock, per_hour

# The tally is fetched every minute while online; older than this, it says its time.
TALLY_STALE_AFTER = dt.timedelta(minutes=3)


def _stat(title: str) -> tuple[QLabel, QLabel]:
    value = QLabel("0")
    value.setObjectName("statValue")
    value.setAccessibleName(title)
    caption = QLabel(title)
    caption.setObjectName("statCaption")
    return value, caption


class ProgressPanel(QFrame):
    leaderboard_toggled = Signal(bool)

    def __init__(self, target_per_hour: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName(self.tr("Session progress"))
        self.target_per_hour = max(1, target_per_hour)
        self.stats: SessionStats | None = None
        self.team_data: TeamProgress | None = None
        self.team_at: dt.datetime | None = None  # when the tally arrived
        self.online = True

        heading = QLabel(self.tr("Your session"))
        heading.setObjectName("subheading")
        self.calls, calls_caption = _stat(self.tr("calls"))
        self.reached, reached_caption = _stat(self.tr("reached"))
        self.rate, rate_caption = _stat(self.tr("calls / hour"))
        self.elapsed, elapsed_caption = _stat(self.tr("session time"))
        grid = QGridLayout()
        for col, (value, caption) in enumerate(
            (
                (self.calls, calls_caption),
                (self.reached, reached_caption),
                (self.rate, rate_caption),
                (self.elapsed, elapsed_caption),
            )
        ):
            grid.addWidget(value, 0, col, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(caption, 1, col, Qt.AlignmentFlag.AlignHCenter)

        self.bar = QProgressBar()
        self.bar.setAccessibleName(self.tr("Progress toward the target"))
        self.bar.setTextVisible(True)
        self.target_label = QLabel()
        self.target_label.setObjectName("hint")
        self.hours = QLabel()
        self.hours.setObjectName("hint")
        self.hours.setWordWrap(True)
        self.hours.setTextFormat(Qt.TextFormat.PlainText)
        self.hours.setAccessibleName(self.tr("Calling hours"))
        self.hours.hide()
        self.team = QLabel()
        self.team.setWordWrap(True)
        self.team.setAccessibleName(self.tr("Team tally"))
        self.leaderboard_opt_in = QCheckBox(self.tr("Join the team leaderboard"))
        self.leaderboard_opt_in.setAccessibleDescription(
            self.tr("Off by default; only volunteers who opted in are listed")
        )
        self.leaderboard_opt_in.toggled.connect(self._on_leaderboard)
        self.leaderboard = QLabel()
        self.leaderboard.setTextFormat(Qt.TextFormat.PlainText)
        self.leaderboard.setAccessibleName(self.tr("Leaderboard"))
        self.leaderboard.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(grid)
        layout.addWidget(self.bar)
        layout.addWidget(self.target_label)
        layout.addWidget(self.hours)
        layout.addSpacing(6)
        layout.addWidget(self.team)
        layout.addWidget(self.leaderboard_opt_in)
        layout.addWidget(self.leaderboard)
        layout.addStretch(1)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh_time)
        self._tick.start()
        self.set_team(None)

    def set_stats(self, stats: SessionStats) -> None:
        self.stats = stats
        self.calls.setText(str(stats.calls))
        self.reached.setText(str(stats.reached))
        self._refresh_time()

    def _elapsed_s(self) -> float:
        if self.stats is None:
            return 0.0
        return max(0.0, (dt.datetime.now(dt.UTC) - self.stats.started_at).total_seconds())

    def _refresh_time(self) -> None:
        if self.team_at is not None:
            self._show_team()  # turns to "as of 19:42" once it grows old
        elapsed = self._elapsed_s()
        calls = self.stats.calls if self.stats else 0
        reached = self.stats.reached if self.stats else 0
        self.elapsed.setText(clock(int(elapsed))[:-3] if elapsed >= 3600 else clock(int(elapsed)))
        self.rate.setText(per_hour(calls, elapsed))
        self.rate.setToolTip(
            self.tr("Shown after {m} minutes of calling").format(m=RATE_AFTER_S // 60)
            if elapsed < RATE_AFTER_S
            else ""
        )
        hours = max(1, math.ceil(elapsed / 3600))
        goal = self.target_per_hour * hours
        self.bar.setRange(0, goal)
        self.bar.setValue(min(reached, goal))
        self.bar.setFormat(self.tr("{n} of {goal} reached").format(n=reached, goal=goal))
        self.target_label.setText(
            self.tr("Target: 1 contact reached an hour")
            if self.target_per_hour == 1
            else self.tr("Target: {t} contacts reached an hour").format(t=self.target_per_hour)
        )

    def set_hours(self, text: str) -> None:
        """The calling hours in words; hidden for a campaign open around the clock."""
        self.hours.setText(text)
        self.hours.setVisible(bool(text))

    def set_status(self, status: SyncStatus) -> None:
        """Offline, the tally stops updating: it then says when it was taken."""
        online = status.connectivity is Connectivity.ONLINE
        if online != self.online:
            self.online = online
            self._show_team()

    def set_team(self, team: TeamProgress | None, at: dt.datetime | None = None) -> None:
        self.team_data = team
        self.team_at = (at or dt.datetime.now(dt.UTC)) if team is not None else None
        if team is None:
            self.team.setText(self.tr("Team tally appears once you are online."))
            self.leaderboard.setText("")
            return
        self._show_team()
        lines = [f"{i}. {name} — {calls}" for i, (name, calls) in enumerate(team.leaderboard, 1)]
        self.leaderboard.setText(
            "\n".join(lines) or self.tr("Nobody has joined the leaderboard yet.")
        )

    def tally_stale(self, now: dt.datetime | None = None) -> bool:
        if self.team_at is None:
            return False
        age = (now or dt.datetime.now(dt.UTC)) - self.team_at
        return not self.online or age > TALLY_STALE_AFTER

    def _show_team(self) -> None:
        team, at = self.team_data, self.team_at
        if team is None or at is None:
            return
        calls = self.tr("1 call") if team.calls == 1 else self.tr("{n} calls").format(n=team.calls)
        people = (
            self.tr("1 person")
            if team.reached == 1
            else self.tr("{n} people").format(n=team.reached)
        )
        if self.tally_stale():
            text = self.tr("Team tally as of {time}: {calls} made, {people} reached.").format(
                time=at.astimezone().strftime("%H:%M"), calls=calls, people=people
            )
        else:
            text = self.tr("The team has made {calls} tonight and reached {people}.").format(
                calls=calls, people=people
            )
        self.team.setText(text)

    def _on_leaderboard(self, on: bool) -> None:
        self.leaderboard.setVisible(on)
        self.leaderboard_toggled.emit(on)
