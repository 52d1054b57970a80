"""One home per contract value: the server's `contract` module and the app's copy agree,
the campaign file refuses more outcomes than the app has keys, and the app's parser
refuses a script that breaks the same limits."""

from __future__ import annotations

import pytest

from caller_app.api import ProtocolError
from caller_app.api import parse as app_parse
from caller_app.domain import contract as app
from caller_app.ui.outcome_bar import KEYS
from caller_server import contract as server
from caller_server.campaign_file import CampaignFileError, parse_campaign
from caller_server.outcomes import DEFAULT_OUTCOMES


def test_the_app_copy_matches_the_server_contract() -> None:
    assert [k.value for k in app.QuestionKind] == [k.value for k in server.QuestionKind]
    assert {k.value for k in app.CLOSED_KINDS} == {k.value for k in server.CLOSED_KINDS}
    for name in (
        "MAX_BATCH_SIZE",
        "MAX_RESULTS_PER_REQUEST",
        "MAX_CHECK_IDS",
        "MAX_NOTES_LENGTH",
        "MAX_TEXT_ANSWER_LENGTH",
        "MAX_OUTCOMES",
        "MAX_SHOW_ATTRIBUTES",
        "MAX_PREVIOUS_ATTEMPTS",
        "SKIPS_PER_HOUR",
    ):
        assert getattr(app, name) == getattr(server, name), name
    assert len(KEYS) == app.MAX_OUTCOMES  # one key per outcome on the caller screen
    assert len(DEFAULT_OUTCOMES) <= server.MAX_OUTCOMES


def _outcomes(n: int) -> str:
    return "".join(
        f'[[outcomes]]\ncode = "o{i}"\nlabel = "O {i}"\nreached = false\nfinal = true\n\n'
        for i in range(n)
    )


MINIMAL = 'name = "C"\nseat = "S"\ncandidate = "X"\n\n[script]\nintro = "Hi"\n\n'


def test_a_campaign_file_with_more_outcomes_than_keys_is_refused() -> None:
    assert len(parse_campaign(MINIMAL + _outcomes(server.MAX_OUTCOMES)).outcomes) == 10
    with pytest.raises(CampaignFileError, match=r"outcomes: at most 10"):
        parse_campaign(MINIMAL + _outcomes(server.MAX_OUTCOMES + 1))


def _script(outcomes: int, kind: str = "single") -> dict:
    return {
        "campaign_id": 1,
        "version": "v1",
        "intro": "",
        "crib_sheet": "",
        "candidate_bio": "",
        "candidate": "C",
        "seat": "S",
        "questions": [{"key": "q", "text": "Q?", "kind": kind, "options": ["a"]}],
        "outcomes": [
            {"code": f"o{i}", "label": "O", "reached": False, "final": True}
            for i in range(outcomes)
        ],
    }


def test_the_app_refuses_a_script_breaking_the_contract() -> None:
    script = app_parse.script(_script(app.MAX_OUTCOMES))
    assert script.questions[0].kind is app.QuestionKind.SINGLE
    with pytest.raises(ProtocolError):
        app_parse.script(_script(app.MAX_OUTCOMES + 1))
    with pytest.raises(ProtocolError):
        app_parse.script(_script(1, kind="ranking"))
