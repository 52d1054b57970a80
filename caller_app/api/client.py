"""HTTP client of the central server (docs/api.md), over one requests.Session.

Every call has a timeout, TLS verification stays on, redirects are refused (a
captive portal or a hijacked DNS name must not receive the token), and every reply
is read with a size cap and checked for shape before anything trusts it. GETs are
retried by urllib3; POSTs are not, the sync engine retries them with the same ids.
One ApiClient per thread: a requests.Session is not shared between threads.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from caller_app import SUPPORTED_API, __version__
from caller_app.domain.contract import MAX_CHECK_IDS, MAX_RESULTS_PER_REQUEST
from caller_app.domain.i18n import QT_TRANSLATE_NOOP
from caller_app.domain.models import (
    Account,
    Campaign,
    Lease,
    Renewal,
    Result,
    Script,
    TeamProgress,
    UploadReply,
)
from caller_app.domain.urls import canonical_server_url
from caller_app.domain.versions import older_than

from . import parse
from .deadline import Deadline, DeadlineAdapter
from .errors import (
    ApiError,
    AwaitingApproval,
    BadServerUrl,
    Incompatible,
    Offline,
    ProtocolError,
    Rejected,
    ServerError,
    SignedOut,
    Throttled,
    TooOld,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
MAX_REPLY_BYTES = 8 * 1024 * 1024


def normalise_server_url(url: str) -> str:
    """The canonical address (`PhoneBank.example.org:443/` -> `https://phonebank.example.org`):
    one server, one owner of results, one keyring entry. http only on loopback."""
    if not url.strip():
        raise BadServerUrl(
            QT_TRANSLATE_NOOP("Errors", "Please enter the server address your organiser gave you.")
        )
    try:
        url = canonical_server_url(url)
    except ValueError:
        raise BadServerUrl() from None
    host = urlsplit(url).hostname or ""
    if url.startswith("http://") and not _is_loopback(host):
        raise BadServerUrl(
            QT_TRANSLATE_NOOP(
                "Errors",
                "The server address must start with https:// so that your sign-in stays private.",
            )
        )
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after(value: str | None) -> float:
    if not value:
        return 30.0
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        seconds = parsed.timestamp() - time.time() if parsed else 30.0
    return min(max(seconds, 0.0), 3600.0)


class GetOnlyRetry(Retry):
    """urllib3 retries connection errors of any method; we let it retry GETs only."""

    def increment(self, method: str | None = None, url: str | None = None, *args, **kwargs):  # type: ignore[no-untyped-def]
        allowed = self.allowed_methods or frozenset()
        if method is not None and method.upper() not in allowed:
            return Retry(total=0, raise_on_status=False).increment(method, url, *args, **kwargs)
        return super().increment(method, url, *args, **kwargs)


def make_session() -> requests.Session:
    session = requests.Session()
    retry = GetOnlyRetry(
        total=3,
        connect=2,
        read=1,
        status=2,
        backoff_factor=0.25,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    adapter = DeadlineAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = f"caller-app/{__version__}"
    session.trust_env = False  # no proxy settings from the environment reach the token
    return session


class ApiClient:
    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        *,
        token: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        reply_deadline: float | None = None,
    ) -> None:
        """`reply_deadline`: seconds to read a whole reply body (default 4 x read timeout)."""
        self.base_url = normalise_server_url(base_url)
        self.session = session or make_session()
        self.token = token
        self.timeout = timeout
        self.max_reply_bytes = max_reply_bytes
        self.reply_deadline = reply_deadline or 4 * timeout[1]
        self._compatible = False
        self._lock = threading.Lock()  # guards the two below: abort() comes from any thread
        self._exchanges: set[Deadline] = set()
        self._aborted = False

    @property
    def compatible(self) -> bool:
        """This client's health check passed (the server speaks our API version)."""
        return self._compatible

    def assume_compatible(self) -> None:
        """Skip the health check: another client of this run already passed it against
        the same server (`CallerCore` remembers), so a new client saves a round trip."""
        self._compatible = True

    def close(self) -> None:
        self.session.close()

    def abort(self) -> None:
        """From any thread: cut the exchange in flight (it fails as Offline or "too
        slow") and refuse every later one. The owner's shutdown then waits seconds for
        the calling thread, not the reply deadline."""
        with self._lock:
            self._aborted = True
            exchanges = list(self._exchanges)
        for deadline in exchanges:
            deadline.cut()

    # -- transport ---------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[requests.Response, bytes]:
        url = f"{self.base_url}/api/v1{path}"
        all_headers = {"Accept": "application/json", **(headers or {})}
        if auth:
            if not self.token:
                raise SignedOut()
            all_headers["Authorization"] = f"Bearer {self.token}"
        with Deadline(self.reply_deadline) as deadline:
            with self._lock:
                if self._aborted:
                    raise Offline()
                self._exchanges.add(deadline)
            try:
                return self._exchange(method, path, url, body, all_headers)
            except Offline as exc:
                if not deadline.fired or self._aborted:
                    raise
                log.info("%s %s: reply too slow", method, path)
                raise ProtocolError(
                    QT_TRANSLATE_NOOP(
                        "Errors", "The server's reply was coming far too slowly. We'll keep trying."
                    )
                ) from exc
            finally:
                with self._lock:
                    self._exchanges.discard(deadline)

    def _exchange(
        self, method: str, path: str, url: str, body: Any, headers: dict[str, str]
    ) -> tuple[requests.Response, bytes]:
        try:
            response = self.session.request(
                method,
                url,
                json=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                verify=True,
                stream=True,
            )
        except requests.exceptions.SSLError as exc:
            log.warning("%s %s: TLS failure", method, path)
            raise ProtocolError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The server's security certificate could not be verified. We'll keep trying.",
                )
            ) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            log.info("%s %s: offline (%s)", method, path, type(exc).__name__)
            raise Offline() from exc
        except requests.exceptions.RequestException as exc:
            log.warning("%s %s: %s", method, path, type(exc).__name__)
            raise ProtocolError() from exc
        with response:
            content = self._read(response, method, path)
        return response, content

    def _read(self, response: requests.Response, method: str, path: str) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_reply_bytes:
            raise ProtocolError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The server's reply was far too large. We'll keep trying."
                )
            )
        chunks: list[bytes] = []
        size = 0
        # The read timeout bounds each wait for bytes, not the whole reply: a server that
        # trickles a byte a second would hold us forever. read1() returns what one socket
        # read brings, so the deadline is checked however slowly the bytes come.
        deadline = time.monotonic() + self.reply_deadline
        try:
            while chunk := response.raw.read1(64 * 1024, decode_content=True):
                size += len(chunk)
                if size > self.max_reply_bytes:
                    raise ProtocolError(
                        QT_TRANSLATE_NOOP(
                            "Errors", "The server's reply was far too large. We'll keep trying."
                        )
                    )
                if time.monotonic() > deadline:
                    log.info("%s %s: reply too slow", method, path)
                    raise ProtocolError(
                        QT_TRANSLATE_NOOP(
                            "Errors",
                            "The server's reply was coming far too slowly. We'll keep trying.",
                        )
                    )
                chunks.append(chunk)
        except (ReadTimeoutError, OSError) as exc:
            log.info("%s %s: connection lost while reading (%s)", method, path, type(exc).__name__)
            raise Offline(
                QT_TRANSLATE_NOOP("Errors", "The connection dropped. We'll keep trying.")
            ) from exc
        except urllib3.exceptions.HTTPError as exc:
            log.info("%s %s: broken reply (%s)", method, path, type(exc).__name__)
            raise ProtocolError() from exc
        return b"".join(chunks)

    @staticmethod
    def _json(response: requests.Response, content: bytes) -> Any:
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ProtocolError()
        try:
            return json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ProtocolError(
                QT_TRANSLATE_NOOP(
                    "Errors", "The server's reply was cut short or garbled. We'll keep trying."
                )
            ) from None

    def _error(
        self, response: requests.Response, content: bytes, path: str, auth: bool
    ) -> ApiError:
        status = response.status_code
        code, message = "", None
        try:
            err = json.loads(content.decode("utf-8"))["error"]
            if isinstance(err.get("code"), str):
                code = err["code"]
            if isinstance(err.get("message"), str) and err["message"].strip():
                message = err["message"].strip()[:300]
        except Exception:  # noqa: S110 - any non-JSON error body: use our own words
            pass
        log.info("%s: HTTP %d %s", path, status, code)
        if 300 <= status < 400:
            return ProtocolError(
                QT_TRANSLATE_NOOP(
                    "Errors",
                    "The server tried to send us to another address; we did not follow it.",
                )
            )
        if status in (401, 403) and auth:
            return SignedOut(status=status)
        if status == 429:
            return Throttled(message, retry_after=_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            return ServerError(status=status)
        if 400 <= status < 500:
            return Rejected(message, status=status, code=code)
        return ProtocolError(status=status)

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        ok: Sequence[int] = (200,),
    ) -> tuple[requests.Response, Any]:
        if not self._compatible and path != "/health":
            self.health()
        response, content = self._send(method, path, body=body, headers=headers, auth=auth)
        if response.status_code not in ok:
            raise self._error(response, content, path, auth)
        if response.status_code in (204, 304):
            return response, None
        return response, self._json(response, content)

    # -- endpoints ---------------------------------------------------------------------
    def health(self) -> int:
        """Check the server speaks our API version (done once, before the first call)."""
        _, data = self._call("GET", "/health", auth=False)
        api = parse.health(data)
        if api != SUPPORTED_API:
            raise Incompatible()
        minimum, download_url = parse.versions(data)
        if older_than(__version__, minimum):
            raise TooOld(__version__, minimum, download_url)
        self._compatible = True
        return api

    def invite(self, code: str) -> tuple[int, str, bool]:
        """The campaign an invite code joins: (id, name, needs approval)."""
        _, data = self._call("GET", f"/invites/{quote(code, safe='')}", auth=False)
        return parse.invite(data)

    def accept_invite(
        self, code: str, name: str, username: str, password: str
    ) -> tuple[str, Account, int]:
        """Make the account through an invite and sign in: (token, account, campaign id).
        Raises AwaitingApproval when an organiser approves each sign-up first."""
        response, data = self._call(
            "POST",
            f"/invites/{quote(code, safe='')}/accept",
            body={"name": name, "username": username, "password": password},
            auth=False,
            ok=(200, 202),
        )
        if response.status_code == 202:
            message = data.get("message") if isinstance(data, dict) else None
            raise AwaitingApproval(message if isinstance(message, str) else None)
        token, account = parse.login(data, self.base_url)
        campaign_id = parse.req(parse.obj(data, "join"), "campaign_id", int)
        self.token = token
        return token, account, campaign_id

    def login(self, username: str, password: str) -> tuple[str, Account]:
        _, data = self._call(
            "POST",
            "/auth/login",
            body={"username": username, "password": password},
            auth=False,
        )
        token, account = parse.login(data, self.base_url)
        self.token = token
        return token, account

    def logout(self) -> None:
        with contextlib.suppress(SignedOut):  # a dead token is signed out already
            self._call("POST", "/auth/logout", ok=(200, 204))
        self.token = None

    def campaigns(self) -> list[Campaign]:
        _, data = self._call("GET", "/campaigns")
        return parse.campaigns(data)

    def script(self, campaign_id: int, etag: str | None = None) -> tuple[Script, str | None] | None:
        """The script and its ETag, or None when `etag` is still current (304)."""
        headers = {"If-None-Match": etag} if etag else None
        response, data = self._call(
            "GET", f"/campaigns/{campaign_id}/script", headers=headers, ok=(200, 304)
        )
        if response.status_code == 304:
            return None
        return parse.script(data), response.headers.get("ETag")

    def lease(self, campaign_id: int, size: int, request_id: str) -> Lease:
        _, data = self._call(
            "POST",
            f"/campaigns/{campaign_id}/batches",
            body={"size": size, "request_id": request_id},
        )
        return parse.lease(data)

    def batch(self, batch_id: int) -> Lease:
        _, data = self._call("GET", f"/batches/{batch_id}")
        return parse.lease(data)

    def renew(self, batch_id: int) -> Renewal:
        """Extend a batch's lease; the reply lists the contacts of it we still hold."""
        _, data = self._call("POST", f"/batches/{batch_id}/renew")
        return parse.renew(data)

    def release(self, batch_id: int, contact_ids: Sequence[int] | None = None) -> int:
        body = {"contact_ids": list(contact_ids)} if contact_ids is not None else {}
        _, data = self._call("POST", f"/batches/{batch_id}/release", body=body)
        return parse.released(data)

    def skip(self, batch_id: int, contact_id: int, skip_id: str) -> bool:
        """Pass on a held contact (back to the pool, not a call); False: already gone."""
        body = {"id": skip_id, "contact_id": contact_id}
        _, data = self._call("POST", f"/batches/{batch_id}/skip", body=body)
        return parse.skipped(data)

    def post_results(self, results: Sequence[Result]) -> UploadReply:
        if len(results) > MAX_RESULTS_PER_REQUEST:
            raise ValueError(f"at most {MAX_RESULTS_PER_REQUEST} results per request")
        _, data = self._call("POST", "/results", body={"results": [r.payload() for r in results]})
        return parse.upload_reply(data)

    def check_results(self, ids: Sequence[str]) -> tuple[str, ...]:
        """The ids of `ids` the server does not hold (a restore from a backup loses some)."""
        if len(ids) > MAX_CHECK_IDS:
            raise ValueError(f"at most {MAX_CHECK_IDS} ids per check")
        _, data = self._call("POST", "/results/check", body={"ids": list(ids)})
        return parse.check_reply(data)

    def set_leaderboard_opt_in(self, opt_in: bool) -> bool:
        """Join or leave the team leaderboard (it lists only those who opted in)."""
        _, data = self._call("PUT", "/me/preferences", body={"leaderboard_opt_in": opt_in})
        return parse.leaderboard_opt_in(data)

    def progress(self, campaign_id: int) -> TeamProgress:
        _, data = self._call("GET", f"/campaigns/{campaign_id}/progress")
        return parse.progress(data)
