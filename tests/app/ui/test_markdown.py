"""The script renderer: placeholders escaped, no raw HTML, nothing fetched."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from caller_app.ui.markdown_view import (
    SafeTextBrowser,
    escape_markdown,
    fill_placeholders,
    render_markdown,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def test_values_are_escaped_and_rendered_as_text():
    html = render_markdown("Hi **{first_name}**!", {"first_name": HOSTILE})
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>" in html


def test_markdown_in_values_is_inert():
    html = render_markdown("Hi {first_name}", {"first_name": "![x](http://evil.test/a.png) *b*"})
    assert "<img" not in html
    assert "<em>" not in html
    assert "href" not in html
    assert "http://evil.test/a.png" in html


def test_hostile_script_renders_as_text():
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src="http://evil.test/x.png">'
        "\n\n![pic](http://evil.test/y.png)"
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_unknown_placeholders_are_left_alone():
    assert fill_placeholders("{first_name} {unknown} {0}", {"first_name": "Ann"}) == (
        "Ann {unknown} {0}"
    )
    assert escape_markdown("a_b*c") == r"a\_b\*c"


def test_browser_never_loads_resources(qtbot):
    view = SafeTextBrowser()
    qtbot.addWidget(view)
    view.set_markdown("Hi {first_name}", {"first_name": HOSTILE})
    assert HOSTILE in view.toPlainText()
    assert view.loadResource(2, QUrl("http://evil.test/x.png")) is None
    assert not view.openLinks()
    assert not view.openExternalLinks()
