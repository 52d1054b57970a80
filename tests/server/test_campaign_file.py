"""The campaign file: what it accepts, and a one-line error naming the key otherwise."""

from __future__ import annotations

import textwrap
from importlib import resources

import pytest

from caller_server.campaign_file import (
    CampaignFileError,
    load_campaign_file,
    parse_campaign,
    script_version,
)
from caller_server.contract import MAX_SHOW_ATTRIBUTES
from caller_server.demo import demo_dir
from caller_server.outcomes import DEFAULT_OUTCOMES

MINIMAL = """
name = "Test campaign"
seat = "Nowhere East"
candidate = "Sam Example"

[script]
intro = "Hello {first_name}, I'm {volunteer_first_name} for {candidate} in {seat}."
"""

QUESTION = """
[[questions]]
key = "vote"
text = "How will you vote?"
kind = "single"
options = ["Us", "Them"]
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_campaign(textwrap.dedent(text), source="c.toml")


def error_of(text: str) -> str:
    with pytest.raises(CampaignFileError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("c.toml: ")
    return message


def test_minimal_file_gets_the_defaults() -> None:
    spec = parse(MINIMAL)
    assert (spec.timezone, spec.calling_hours) == ("Europe/London", "09:00-21:00")
    assert (spec.batch_size, spec.max_attempts, spec.lease_minutes) == (20, 3, 45)
    assert spec.questions == ()
    script = spec.script()
    assert [o["code"] for o in script["outcomes"]] == [o.code for o in DEFAULT_OUTCOMES]
    assert script["outcomes"][1]["retry_after_minutes"] == DEFAULT_OUTCOMES[1].retry_after_minutes
    assert set(script) == {"intro", "crib_sheet", "candidate_bio", "questions", "outcomes"}


def test_the_demo_campaign_parses() -> None:
    spec = load_campaign_file(str(demo_dir() / "campaign.toml"))
    assert spec.calling_hours == "00:00-24:00"
    assert [q.kind for q in spec.questions] == ["single", "scale", "multi"]
    assert "{first_name}" in spec.intro
    assert spec.crib_sheet
    assert spec.candidate_bio


def test_demo_files_are_packaged_as_caller_resources() -> None:
    try:
        folder = resources.files("caller_resources") / "demo"
    except ModuleNotFoundError:
        pytest.fail("caller_resources is not importable: check pyproject's package mapping")
    assert (folder / "campaign.toml").is_file()
    assert (folder / "contacts.csv").is_file()


def test_script_version_follows_the_script() -> None:
    a = parse(MINIMAL).script()
    b = parse(MINIMAL + QUESTION).script()
    assert script_version(a) == script_version(dict(a))
    assert script_version(a) != script_version(b)
    assert len(script_version(a)) == 16


def test_full_file_with_custom_outcomes() -> None:
    spec = parse(
        MINIMAL
        + QUESTION
        + """
        [[questions]]
        key = "issues"
        text = "Which issues?"
        kind = "multi"
        options = ["Buses", "Parks"]

        [[questions]]
        key = "buses"
        text = "How much do buses matter?"
        kind = "scale"
        options = [1, 2, 3, 4, 5]

        [[questions]]
        key = "anything"
        text = "Anything else?"
        kind = "text"

        [[outcomes]]
        code = "spoke"
        label = "Spoke to them"
        reached = true
        final = true

        [[outcomes]]
        code = "later"
        label = "Try later"
        reached = false
        final = false
        retry_after_minutes = 90
        """
    )
    assert [q.key for q in spec.questions] == ["vote", "issues", "buses", "anything"]
    assert spec.questions[2].options == ("1", "2", "3", "4", "5")
    assert spec.questions[3].options == ()
    outcomes = spec.script()["outcomes"]
    assert [o["code"] for o in outcomes] == ["spoke", "later"]
    assert outcomes[1]["retry_after_minutes"] == 90


def test_settings_are_read() -> None:
    spec = parse(
        'timezone = "America/New_York"\ncalling_hours = "18:00-02:00"\nbatch_size = 50\n'
        "max_attempts = 5\nlease_minutes = 30\ntarget_contacts_per_hour = 12\n" + MINIMAL
    )
    assert spec.timezone == "America/New_York"
    assert spec.calling_hours == "18:00-02:00"
    assert (spec.batch_size, spec.max_attempts, spec.lease_minutes) == (50, 5, 30)
    assert spec.target_contacts_per_hour == 12
    assert (spec.max_held_contacts, spec.held_limit()) == (None, 100)  # twice the batch
    held = parse("batch_size = 10\nmax_held_contacts = 25\n" + MINIMAL)
    assert (held.max_held_contacts, held.held_limit()) == (25, 25)


BAD = [
    ("name = ", "not valid TOML"),
    ("colour = 'red'\n" + MINIMAL, "colour: unknown key"),
    (MINIMAL.replace('name = "Test campaign"', ""), "name: missing"),
    (MINIMAL.replace('"Test campaign"', '""'), "name: must not be empty"),
    (MINIMAL.replace('"Test campaign"', "42"), "name: must be a string"),
    ('timezone = "Mars/Olympus"\n' + MINIMAL, "timezone: unknown time zone"),
    ('timezone = "../../etc/passwd"\n' + MINIMAL, "timezone: unknown time zone"),
    ('calling_hours = "9-5"\n' + MINIMAL, "calling_hours: must look like"),
    ('calling_hours = "09:00-25:00"\n' + MINIMAL, "calling_hours: must look like"),
    ('calling_hours = "10:00-10:00"\n' + MINIMAL, "calling_hours: '10:00-10:00' is never open"),
    ("batch_size = 51\n" + MINIMAL, "batch_size: must be between 1 and 50"),
    ("batch_size = 0\n" + MINIMAL, "batch_size: must be between 1 and 50"),
    ("max_attempts = true\n" + MINIMAL, "max_attempts: must be a whole number"),
    ("lease_minutes = 4.5\n" + MINIMAL, "lease_minutes: must be a whole number"),
    ("max_held_contacts = 0\n" + MINIMAL, "max_held_contacts: must be between 1 and 5000"),
    ("max_held_contacts = 'many'\n" + MINIMAL, "max_held_contacts: must be a whole number"),
    ("batch_size = 20\nmax_held_contacts = 10\n" + MINIMAL,
     "max_held_contacts: must be at least batch_size (20)"),
    ("target_contacts_per_hour = '20'\n" + MINIMAL, "target_contacts_per_hour: must be a whole"),
    (MINIMAL.replace("[script]", "[script]\nfooter = 'x'"), "script.footer: unknown key"),
    (MINIMAL.split("[script]")[0], "script: missing"),
    (MINIMAL.replace("{seat}", "{Post Code}"), "script.intro: unknown placeholder {Post Code}"),
    (MINIMAL.replace("{seat}", "{seat!r}"), "script.intro: unknown placeholder {seat!r}"),
    (MINIMAL.replace("{seat}", "{seat"), "script.intro: a brace is not part of"),
    (MINIMAL + QUESTION.replace('"single"', '"ranking"'),
     "questions[1].kind: must be one of single, multi, scale, text"),
    (MINIMAL + QUESTION + QUESTION.replace('"single"', '"yes-no"').replace('"vote"', '"v2"'),
     "questions[2].kind: must be one of single, multi, scale, text"),
    (MINIMAL + QUESTION + QUESTION, "questions[2].key: 'vote' is used twice"),
    (MINIMAL + QUESTION.replace('["Us", "Them"]', "[]"), "questions[1].options: a single question"),
    (MINIMAL + QUESTION.replace('options = ["Us", "Them"]', ""), "questions[1].options: a single"),
    (MINIMAL + QUESTION.replace('"single"', '"text"'), "questions[1].options: a text question"),
    (MINIMAL + QUESTION.replace('["Us", "Them"]', '["Us", "Us"]'), "questions[1].options[2]"),
    (MINIMAL + QUESTION.replace('["Us", "Them"]', '["Us", 3]'), "questions[1].options[2]: must"),
    (MINIMAL + QUESTION.replace('"vote"', '"Vote Intention"'), "questions[1].key: must be lower"),
    (MINIMAL + QUESTION.replace("text = ", "prompt = "), "questions[1].prompt: unknown key"),
    ("questions = 3\n" + MINIMAL, "questions: must be a list of tables"),
    ("outcomes = []\n" + MINIMAL, "outcomes: must not be empty"),
    (MINIMAL + "[[outcomes]]\ncode = 'x'\nlabel = 'X'\nreached = 'yes'\nfinal = true",
     "outcomes[1].reached: must be true or false"),
    (MINIMAL + "[[outcomes]]\ncode = 'x'\nlabel = 'X'\nreached = true",
     "outcomes[1].final: missing"),
    (MINIMAL + "[[outcomes]]\ncode = 'x'\nlabel = 'X'\nreached = true\nfinal = false\n"
     "retry_after_minutes = -5", "outcomes[1].retry_after_minutes: must be a whole number"),
    (MINIMAL + "[[outcomes]]\ncode = 'x'\nlabel = 'X'\nreached = true\nfinal = true\n"
     "retry_after_minutes = 5", "outcomes[1].final: a final outcome cannot also retry"),
    (MINIMAL + "[[outcomes]]\ncode = 'x'\nlabel = 'X'\nreached = true\nfinal = true\ncolour = 1",
     "outcomes[1].colour: unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[e for _, e in BAD])
def test_bad_files_name_the_key(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_unreadable_and_non_utf8_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CampaignFileError, match="cannot read"):
        load_campaign_file(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(MINIMAL.replace("Sam", "S\xe9n").encode("latin-1"))
    with pytest.raises(CampaignFileError, match="not UTF-8"):
        load_campaign_file(latin)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_campaign_file(bom).name == "Test campaign"


def test_an_imported_column_may_be_a_placeholder() -> None:
    spec = parse_campaign(MINIMAL.replace("{seat}", "{polling_district}"))
    assert "{polling_district}" in spec.intro


def test_show_attributes_are_read_and_sent_with_the_script() -> None:
    spec = parse('show_attributes = ["age_band", "polling_district"]\n' + MINIMAL)
    assert spec.show_attributes == ("age_band", "polling_district")
    assert spec.script()["show_attributes"] == ["age_band", "polling_district"]
    # a campaign without them keeps the script (and its version) it always had
    assert "show_attributes" not in parse(MINIMAL).script()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"age_band"', "show_attributes: must be a list of names"),
        ('["Age Band"]', "show_attributes[1]: must be an attribute name"),
        ('["age_band", 3]', "show_attributes[2]: must be an attribute name"),
        ('["age_band", "age_band"]', "show_attributes[2]: 'age_band' is listed twice"),
        (
            "[" + ", ".join(f'"a{i}"' for i in range(MAX_SHOW_ATTRIBUTES + 1)) + "]",
            f"show_attributes: at most {MAX_SHOW_ATTRIBUTES} names",
        ),
    ],
)
def test_bad_show_attributes_name_the_key(value: str, expected: str) -> None:
    with pytest.raises(CampaignFileError) as raised:
        parse(f"show_attributes = {value}\n" + MINIMAL)
    assert expected in str(raised.value)
