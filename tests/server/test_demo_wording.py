"""The demo script and the outcome buttons use the same words.

A script that says "choose **Call back**" beside a button reading "Asked to call
back" makes a new volunteer hunt for a button that is not there.
"""

from __future__ import annotations

import re
from pathlib import Path

from caller_server.campaign_file import load_campaign_file
from caller_server.demo import demo_dir
from caller_server.outcomes import DEFAULT_OUTCOMES

# "choose **X**", "press **X**", "pick **X**", "select **X**", "click **X**"
NAMED_OUTCOME = re.compile(r"\b(?:choose|press|pick|select|click)\s+\*\*([^*]+)\*\*", re.I)


def _demo_files() -> list[Path]:
    return sorted(Path(str(demo_dir())).glob("*.toml"))


def test_every_outcome_a_demo_script_names_in_bold_is_a_button() -> None:
    files = _demo_files()
    assert files, "no demo campaign file found"
    named_any = False
    for path in files:
        spec = load_campaign_file(path)
        labels = (
            {o.label for o in spec.outcomes}
            if spec.outcomes
            else {o.label for o in DEFAULT_OUTCOMES}
        )
        for text in (spec.intro, spec.crib_sheet, spec.candidate_bio):
            for name in NAMED_OUTCOME.findall(text):
                named_any = True
                assert name.strip() in labels, f"{path.name}: **{name}** is not an outcome"
    assert named_any, "the demo script names no outcome: this test checks nothing"


def test_the_call_back_outcome_reads_call_back() -> None:
    labels = {o.code: o.label for o in DEFAULT_OUTCOMES}
    assert labels["call_back"] == "Call back"
