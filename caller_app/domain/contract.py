"""The app's copy of the wire contract's values (the server's is
`caller_server/contract.py`; the two packages share no code). `api/parse.py` refuses
replies that break them; the UI sizes itself by them. Keep the two files in step:
`tests/integration/test_contract.py` compares them.
"""

from __future__ import annotations

import enum


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    TEXT = "text"


CLOSED_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.SCALE})

MAX_BATCH_SIZE = 50
MAX_RESULTS_PER_REQUEST = 200
MAX_CHECK_IDS = 1000
MAX_NOTES_LENGTH = 4000
MAX_TEXT_ANSWER_LENGTH = 2000
# One key (1-9, 0) per outcome on the caller screen.
MAX_OUTCOMES = 10
MAX_SHOW_ATTRIBUTES = 12
MAX_PREVIOUS_ATTEMPTS = 5
# Skips one volunteer may make in a rolling hour (the server refuses more with a 429).
SKIPS_PER_HOUR = 10
