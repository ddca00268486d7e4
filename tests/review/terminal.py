"""Running `curate review` in a real terminal: a pseudo-terminal, or a tmux pane."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shlex
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)
REVIEW = [sys.executable, "-m", "curate.cli.main", "review"]
TMUX = shutil.which("tmux")


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, what: str = "the app") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def events(db: Path) -> list[tuple]:
    """The review log read through a fresh connection (as another process would)."""
    conn = sqlite3.connect(db, timeout=5)
    try:
        return conn.execute(
            "SELECT r.id, e.action, e.state_before, e.state_after, e.reason, e.reviewer"
            " FROM review_events e JOIN records r ON r.rid = e.rid ORDER BY e.seq"
        ).fetchall()
    finally:
        conn.close()


class PtyApp:
    """`curate review` in a pseudo-terminal of a fixed size; the screen output is collected."""

    def __init__(self, cwd: Path, rows: int = 40, cols: int = 120) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen(
            REVIEW,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.raw.extend(chunk)

    def text(self) -> str:
        """Everything written so far, without escape sequences."""
        return ANSI.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def wait_for_text(self, needle: str, timeout: float = 30.0) -> None:
        wait_until(lambda: needle in self.text(), timeout, f"{needle!r} on screen")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def kill(self) -> None:
        """SIGKILL the app, as closing its terminal window abruptly would."""
        os.killpg(self.proc.pid, 9)
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        os.close(self.master)


class Tmux:
    """A private tmux server (its own socket) with one pane of a fixed size."""

    def __init__(
        self, socket: Path, cwd: Path, command: list[str], cols: int = 120, rows: int = 40
    ) -> None:
        self.base = [TMUX or "tmux", "-S", str(socket), "-f", os.devnull]  # no user config
        size = ["-x", str(cols), "-y", str(rows)]
        # The server starts here, so the pane inherits this process's environment. The window
        # gets its size just after the session starts: run the app only once it has it.
        self.run("new-session", "-d", "-s", "review", *size, "-c", str(cwd), "sleep 600")
        self.run("respawn-pane", "-k", "-t", "review", "-c", str(cwd), shlex.join(command))

    def run(self, *args: str) -> str:
        # COLUMNS / LINES (set by test tooling) would override the pane's real size
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, timeout=30, env=env
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "review")

    def wait_for(self, needle: str, timeout: float = 30.0) -> str:
        wait_until(lambda: needle in self.screen(), timeout, f"{needle!r} in the tmux pane")
        return self.screen()

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "review", *keys)

    def alive(self) -> bool:
        return (
            subprocess.run(
                [*self.base, "has-session", "-t", "review"], capture_output=True
            ).returncode
            == 0
        )

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)
