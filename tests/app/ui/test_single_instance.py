"""A second launch hands its invite to the running app (issue 14), on Linux also
through `xdg-open caller-app://join?…` with a `.desktop` handler in a temporary
XDG_DATA_HOME. The running app here is an `InstanceServer` in the test process (what
`__main__` starts); the second launch is the real `python -m caller_app` in a child."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtNetwork import QLocalSocket

from caller_app.domain.invites import Invite, app_link, parse_invite
from caller_app.ui.launcher import Launcher
from caller_app.ui.single_instance import InstanceServer, forward, server_name

REPO = Path(__file__).resolve().parents[3]
LINK = app_link(Invite("https://phonebank.example.org", "K7P-2QX"))


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(tmp_path / "home")
    return env


@pytest.fixture
def running(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    data = tmp_path / "app"
    data.mkdir()
    instance = InstanceServer(server_name(data))
    assert instance.listen()
    yield data, instance
    instance.close()


def test_forward_reaches_the_running_app(qtbot, running) -> None:  # type: ignore[no-untyped-def]
    data, instance = running
    with qtbot.waitSignal(instance.received, timeout=5000) as got:
        assert forward(server_name(data), LINK)
    assert parse_invite(got.args[0]) == Invite("https://phonebank.example.org", "K7P-2QX")


def test_nobody_listening_means_we_are_first(tmp_path: Path) -> None:
    assert not forward(server_name(tmp_path / "nobody"), LINK, timeout_ms=300)


def test_an_oversized_message_is_dropped(qtbot, running) -> None:  # type: ignore[no-untyped-def]
    """Another local program (not our forward(), which sends a link) floods the socket."""
    data, instance = running
    flood = QLocalSocket()
    flood.connectToServer(server_name(data))
    assert flood.waitForConnected(2000)
    with qtbot.assertNotEmitted(instance.received, wait=1000):
        flood.write(QByteArray(b"x" * 100_000 + b"\n"))
        flood.waitForBytesWritten(2000)
    flood.abort()


def test_a_second_caller_app_hands_over_its_link_and_exits(qtbot, running, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, instance = running
    argv = [sys.executable, "-m", "caller_app", "--data-dir", str(data), LINK]
    child: subprocess.Popen[bytes] | None = None
    try:
        with qtbot.waitSignal(instance.received, timeout=30000) as got:
            child = subprocess.Popen(argv, env=_env(tmp_path), cwd=REPO)
        assert child.wait(timeout=30) == 0
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
    assert got.args == [LINK]


def test_the_launcher_offers_a_forwarded_invite(qtbot, server, make_launcher, tmp_path) -> None:  # type: ignore[no-untyped-def]
    launcher: Launcher = make_launcher(tmp_path / "app", server.url)
    launcher.start()
    launcher.handle_invite(f"{server.url}/join/K7P-2QX")
    dialog = launcher.sign_in_dialog.invite_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.server.text() == server.url


def _desktop_file(folder: Path, data: Path) -> str:
    apps = folder / "applications"
    apps.mkdir(parents=True)
    name = "caller-app-test.desktop"
    (apps / name).write_text(
        "[Desktop Entry]\nType=Application\nName=Phone bank caller (test)\n"
        f"Exec={sys.executable} -m caller_app --data-dir {data} %u\n"
        "MimeType=x-scheme-handler/caller-app;\nNoDisplay=true\n",
        encoding="utf-8",
    )
    return name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xdg-open is Linux's")
def test_xdg_open_reaches_the_running_app(qtbot, running, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = [t for t in ("xdg-open", "xdg-mime") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"xdg-utils is not installed ({', '.join(missing)} missing)")
    data, instance = running
    env = _env(tmp_path)
    env["XDG_DATA_HOME"] = str(tmp_path / "share")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_DIRS"] = str(tmp_path / "share")
    env.pop("XDG_CURRENT_DESKTOP", None)
    env.pop("DESKTOP_SESSION", None)
    env["DE"] = "generic"
    env["DISPLAY"] = ":99"  # xdg-open asks the handler only "with a display"; the app is offscreen
    (tmp_path / "config").mkdir()
    name = _desktop_file(tmp_path / "share", data)
    if shutil.which("update-desktop-database"):
        subprocess.run(
            ["update-desktop-database", str(tmp_path / "share" / "applications")],
            env=env, check=True, timeout=30,
        )  # fmt: skip
    subprocess.run(
        ["xdg-mime", "default", name, "x-scheme-handler/caller-app"],
        env=env,
        check=True,
        timeout=30,
    )
    query = subprocess.run(
        ["xdg-mime", "query", "default", "x-scheme-handler/caller-app"],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert query.stdout.strip() == name
    opener: subprocess.Popen[bytes] | None = None
    try:
        with qtbot.waitSignal(instance.received, timeout=30000) as got:
            opener = subprocess.Popen(["xdg-open", LINK], env=env)
        assert opener.wait(timeout=30) == 0
    finally:
        if opener is not None and opener.poll() is None:
            opener.kill()
            opener.wait()
    assert got.args == [LINK]
