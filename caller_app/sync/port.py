"""What the sync steps need of the server: exactly the client methods they call.

`caller_app.api.ApiClient` talks HTTP; `tests/support/fakeapi.FakeApi` answers from
memory for fast tests of every sync decision. Both satisfy this protocol, which mypy
checks (the functions at the foot of this file and of `tests/support/fakeapi.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from caller_app.domain.models import Lease, Renewal, Result, Script, TeamProgress, UploadReply

if TYPE_CHECKING:
    from caller_app.api.client import ApiClient


class ApiPort(Protocol):
    token: str | None

    def close(self) -> None: ...

    def abort(self) -> None:
        """From any thread: end the exchange in flight, refuse later ones."""
        ...

    def script(
        self, campaign_id: int, etag: str | None = None
    ) -> tuple[Script, str | None] | None: ...

    def lease(self, campaign_id: int, size: int, request_id: str) -> Lease: ...

    def renew(self, batch_id: int) -> Renewal: ...

    def release(self, batch_id: int, contact_ids: Sequence[int] | None = None) -> int: ...

    def skip(self, batch_id: int, contact_id: int, skip_id: str) -> bool: ...

    def post_results(self, results: Sequence[Result]) -> UploadReply: ...

    def check_results(self, ids: Sequence[str]) -> tuple[str, ...]: ...

    def progress(self, campaign_id: int) -> TeamProgress: ...

    def set_leaderboard_opt_in(self, opt_in: bool) -> bool: ...

    def logout(self) -> None: ...


if TYPE_CHECKING:  # mypy proves the real client fits the port

    def _client_fits(client: ApiClient) -> ApiPort:
        return client
