"""The values the wire contract is made of, each written once for the whole server.

Question kinds, the fields of an outcome, and the limits the API, the campaign file,
leasing and result ingestion enforce. The caller app keeps its own copy
(`caller_app/domain/contract.py`): the two packages share no code, as two programs
speaking a published protocol would not; `docs/api.md` is the protocol.
"""

from __future__ import annotations

import enum


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  # one of the options
    MULTI = "multi"  # any of the options, a list
    SCALE = "scale"  # one of the options, shown in a row
    TEXT = "text"  # free text


# Kinds whose answer must be one of the question's options.
CLOSED_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.SCALE})


class OutcomeField(enum.StrEnum):
    """The fields of an outcome in a campaign file and in a script."""

    CODE = "code"
    LABEL = "label"
    REACHED = "reached"
    FINAL = "final"
    RETRY_AFTER_MINUTES = "retry_after_minutes"  # campaign file only
    NEEDS_CALLBACK_TIME = "needs_callback_time"


class QuestionField(enum.StrEnum):
    KEY = "key"
    TEXT = "text"
    KIND = "kind"
    OPTIONS = "options"


MAX_BATCH_SIZE = 50  # contacts in one lease
MAX_HELD_CONTACTS = 5000  # a campaign's cap on contacts one volunteer holds
MAX_RESULTS_PER_REQUEST = 200  # results in one POST /results
MAX_CHECK_IDS = 1000  # ids in one POST /results/check
MAX_RELEASE_IDS = 1000  # contact ids in one release
MAX_NOTES_LENGTH = 4000  # characters of a result's notes
MAX_TEXT_ANSWER_LENGTH = 2000  # characters of a free-text answer
MAX_CHOICE_LENGTH = 500  # characters of one chosen option in an answer
MAX_ANSWERS = 100  # answers in one result; choices in one multi answer
MAX_CODE_LENGTH = 64  # an outcome code, a question key
MAX_OPTION_LENGTH = 200  # characters of an option in a campaign file
# The app shows one key (1-9, 0) per outcome: a campaign file with more is refused.
MAX_OUTCOMES = 10
MAX_SHOW_ATTRIBUTES = 12  # contact attributes a campaign file may show on the card
MAX_PREVIOUS_ATTEMPTS = 5  # earlier results sent with a leased contact, newest first
# Skips (pass on a contact without an outcome) one volunteer may make in a rolling hour,
# across campaigns: a greedy caller cannot skip through the list to cherry-pick it.
SKIPS_PER_HOUR = 10
# A contact a volunteer skipped is not leased to that volunteer again for this long.
SKIP_COOLDOWN_HOURS = 12
