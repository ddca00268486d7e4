"""The workspace lock: one mutating command at a time per workspace, with who holds it.

A command that changes the workspace takes ``.curate/lock`` for as long as it runs::

    with WorkspaceLock(ws.state_dir, "curate synth --topic x").hold(wait=0):
        ...

The lock is an operating-system lock on the file (``flock`` on POSIX, ``msvcrt.locking``
on Windows), so it is released by the kernel the moment its holder exits, however it
exits: a ``kill -9`` or a crash never leaves a stale lock behind, and no pid check can
mistake a recycled pid for a live holder. While held, the file names the holder (pid,
host, command with secrets masked, start time) so that a second command can say who is
working on the workspace. A second command either refuses at once (``wait=0``) or waits up
to ``wait`` seconds, then refuses with :class:`WorkspaceBusy` (exit 2).

Library functions that change a workspace hold it through :func:`exclusive`, which takes it
``reentrant``: when the calling thread holds the lock already (a locked stage calling another,
a CLI command that took it with ``--wait``, a caller queueing with
``with ws.lock("my job").hold(wait=60): dedupe_workspace(ws)``) it is granted at once and the
outer holder stays named; any other taker, another thread or process included, is refused.

Network file systems may not honour ``flock``; keep workspaces on a local disk.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ParamSpec, TypeVar

from curate.errors import CurateError
from curate.records import now_iso

if TYPE_CHECKING:
    from curate.workspace import Workspace

LOCK_FILE = "lock"
POLL_S = 0.1

P = ParamSpec("P")
T = TypeVar("T")

_held: dict[tuple[str, int], WorkspaceLock] = {}  # (lock file, thread) -> its outer holder
_held_guard = threading.Lock()


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its file says."""

    pid: int
    command: str
    since: str
    host: str = ""

    def describe(self) -> str:
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f'"{self.command}" (pid {self.pid}{where}, since {self.since})'


class WorkspaceBusy(CurateError):
    """Another command holds the workspace lock."""

    def __init__(self, holder: Holder | None, waited: float) -> None:
        who = holder.describe() if holder else "another curate command"
        after = f" after waiting {waited:.0f} s" if waited >= 1 else ""
        super().__init__(
            f"The workspace is busy{after}: {who} is changing it.",
            "Let it finish (or stop it), then run this command again.",
        )
        self.holder = holder


class WorkspaceLock:
    """The lock file of one workspace state folder (``.curate``)."""

    def __init__(self, state_dir: Path | str, command: str) -> None:
        self.path = Path(state_dir) / LOCK_FILE
        self.command = command
        self._file: IO[str] | None = None
        self._inner = False  # granted inside the same thread's outer hold

    @property
    def held(self) -> bool:
        return self._file is not None or self._inner

    def _key(self) -> tuple[str, int]:
        return (os.path.abspath(self.path), threading.get_ident())

    def acquire(self, wait: float = 0.0, reentrant: bool = False) -> WorkspaceLock:
        """Take the lock, waiting up to ``wait`` seconds; WorkspaceBusy when it stays taken.
        ``reentrant``: granted at once when this thread holds it already (through another
        object), which keeps it until that one releases."""
        if self.held:
            return self
        if reentrant:
            with _held_guard:
                outer = _held.get(self._key())
            if outer is not None and outer.held:
                self._inner = True
                return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        start = time.monotonic()
        while not _try_lock(handle):
            waited = time.monotonic() - start
            if waited >= wait:
                holder = self.holder()
                handle.close()
                raise WorkspaceBusy(holder, waited)
            time.sleep(min(POLL_S, max(0.0, wait - waited)) or POLL_S)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "since": now_iso(),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(info))
        handle.flush()
        self._file = handle
        with _held_guard:
            _held[self._key()] = self
        return self

    def release(self) -> None:
        """Give the lock back (the file stays; its content no longer names a holder). An inner
        hold gives back nothing: the outer holder keeps the lock until it releases."""
        self._inner = False
        handle, self._file = self._file, None
        if handle is None:
            return
        with _held_guard:
            if _held.get(self._key()) is self:
                del _held[self._key()]
        try:
            handle.seek(0)
            handle.truncate()
            handle.flush()
        finally:
            _unlock(handle)
            handle.close()

    def holder(self) -> Holder | None:
        """The holder named in the lock file (None when nobody is named)."""
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
            return None
        return Holder(
            pid=data["pid"],
            command=str(data.get("command", "")),
            since=str(data.get("since", "")),
            host=str(data.get("host", "")),
        )

    @contextmanager
    def hold(self, wait: float = 0.0, reentrant: bool = False) -> Iterator[WorkspaceLock]:
        """``with lock.hold():`` take the lock for the block."""
        self.acquire(wait, reentrant)
        try:
            yield self
        finally:
            self.release()

    def __enter__(self) -> WorkspaceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def exclusive(command: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a library function whose first argument is a workspace: it runs holding the
    workspace lock (refusing at once with :class:`WorkspaceBusy` when another process holds
    it), named ``command`` unless the caller holds the lock already."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            ws: Workspace = args[0] if args else next(
                v for v in kwargs.values() if hasattr(v, "state_dir")
            )
            with WorkspaceLock(ws.state_dir, command).hold(reentrant=True):
                return fn(*args, **kwargs)

        return run

    return wrap


def _try_lock(handle: IO[str]) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
