"""One process owns a session: an exclusive ``flock`` on ``<session>/.owner`` held while it runs.

The kernel drops the lock when its owner exits in any way (return, exception, Ctrl-C, ``kill -9``),
so a session whose lock can be taken has no live owner: start-up recovery and ``--resume`` take it
over. The file also holds the owner's pid, host and start time, for the message a second process
shows when the session is busy. The file itself is never deleted (deleting a lock file while
another process waits on it would let two processes hold "the" lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from voice_interviewer.errors import ExitCode, UserError

LOCK_NAME = ".owner"


@dataclass(frozen=True)
class Owner:
    pid: int | None
    host: str
    since: str

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid else "another process"
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"{who}{where}" + (f", since {self.since}" if self.since else "")


class SessionBusy(UserError):
    """The session is owned by a live process."""

    def __init__(self, session_id: str, owner: Owner | None) -> None:
        who = owner.describe() if owner else "another process"
        super().__init__(
            f"Session {session_id} is in use by another voice-interviewer ({who}). "
            "Let that run finish, or stop it, and try again.",
            ExitCode.USAGE,
        )
        self.owner = owner


def read_owner(folder: Path) -> Owner | None:
    """What the lock file says about its (last) owner; None when there is nothing readable."""
    try:
        raw = json.loads((folder / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict):
        return None
    pid = raw.get("pid")
    return Owner(pid if isinstance(pid, int) else None, str(raw.get("host") or ""), str(raw.get("since") or ""))


class SessionLock:
    """Exclusive ownership of one session folder. Use as a context manager, or acquire()/release()."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no live process holds it; never waits."""
        if self._fd is not None:
            return True
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by children
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        meta = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        with contextlib.suppress(OSError):  # the metadata is informative; the flock is what counts
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(meta).encode(), 0)
        return True

    def acquire(self, session_id: str, wait_s: float = 0.0) -> SessionLock:
        """Take the lock or raise :class:`SessionBusy`; ``wait_s`` rides out a short check by another
        process (start-up recovery holds a free session's lock for a moment)."""
        deadline = time.monotonic() + wait_s
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise SessionBusy(session_id, read_owner(self.folder))
            time.sleep(0.05)
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # no stale pid for the next reader
        os.close(fd)  # closing drops the flock

    def __enter__(self) -> SessionLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def is_owned(folder: Path) -> bool:
    """True while a live process holds the session (a probe: takes and drops the lock when free)."""
    if not (folder / LOCK_NAME).is_file():
        return False
    probe = SessionLock(folder)
    if probe.try_acquire():
        probe.release()
        return False
    return True
