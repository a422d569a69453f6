"""One pdtray per user and config dir: a second start asks the running one to open its popup, then exits.

Launch at login, a click in the application menu and a terminal can all start pdtray; two tray icons that both
send every reminder would be worse than none. The first instance listens on a local socket (a Unix socket in the
runtime dir, a named pipe on Windows) whose name is derived from the user and the config dir, so that a test or a
second profile with its own PDTRAY_CONFIG_DIR is its own instance. A socket left behind by a crash is told apart
from a live one by trying to connect to it, and removed.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

from pdtray import APP_NAME
from pdtray.app.paths import name_digest

log = logging.getLogger(__name__)

OPEN_REQUEST = b"open\n"
CONNECT_TIMEOUT_MS = 1000


#: a Unix socket's path must fit sun_path: 104 bytes on macOS (108 on Linux), the final NUL included
MAX_SOCKET_PATH = 103


def server_name(config_dir: Path, platform: str = sys.platform) -> str:
    """A named pipe's name on Windows; elsewhere the socket's full path, in the per-user runtime dir where there is
    one (private to the user, emptied at logout), else the temp dir.

    A path too long for a Unix socket (a long user name under macOS's long per-user TMPDIR) would make listening
    fail and single-instance silently off; then the name drops the user (the folder is the user's own already),
    and failing that the socket goes to a private folder of the user's under /tmp."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "user"
    digest = name_digest(str(config_dir.resolve()))
    if platform == "win32":
        return f"{APP_NAME}-{user}-{digest}"
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR")
    shared_tmp = Path("/tmp") / f"{APP_NAME}-{os.getuid()}"
    for folder, name in ((base, f"{APP_NAME}-{user}-{digest}.sock"), (base, f"{APP_NAME}-{digest}.sock")):
        if folder and len(str(Path(folder) / name).encode()) <= MAX_SOCKET_PATH:
            return str(Path(folder) / name)
    # the shared /tmp: in a folder of our own, so that another user cannot put a socket where ours goes
    return str(_private_dir(shared_tmp) / f"{APP_NAME}-{digest}.sock")


def _private_dir(path: Path) -> Path:
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = path.lstat()
    if info.st_uid != os.getuid() or not path.is_dir() or path.is_symlink():
        raise RuntimeError(f"{path} belongs to someone else; set XDG_RUNTIME_DIR or TMPDIR to a private folder")
    return path


def lock_path(name: str) -> str:
    """The lock file that decides which of two simultaneous starts runs: beside the socket, or in the temp dir for
    a Windows pipe name."""
    if sys.platform == "win32":
        import tempfile

        return str(Path(tempfile.gettempdir()) / f"{name}.lock")
    return name.removesuffix(".sock") + ".lock"


class InstanceLock:
    """Held for the life of the running instance: a start that cannot take it knows another pdtray runs (or
    started in the same instant and won) and asks that one's socket; one that takes it needs no socket check.
    QLockFile notices a lock left by a crashed process (its PID is gone)."""

    def __init__(self, name: str) -> None:
        from PySide6.QtCore import QLockFile

        self.path = lock_path(name)
        self._lock = QLockFile(self.path)
        self._lock.setStaleLockTime(0)  # never stale by age: a week-long session still holds it

    def acquire(self) -> bool:
        return self._lock.tryLock(0)

    def release(self) -> None:
        self._lock.unlock()


def _trusted(name: str) -> bool:
    """A socket is ours to talk to only if it belongs to this user: otherwise anyone who can create a file where
    ours goes could make every start exit with "already running"."""
    try:
        return os.stat(name).st_uid == os.getuid()
    except OSError:
        return False


def wait_for_running_instance(name: str, seconds: float = 5.0) -> bool:
    """Asks again and again for ``seconds``: the instance holding the lock may still be starting up."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ask_running_instance(name):
            return True
        time.sleep(0.1)
    return False


def ask_running_instance(name: str, request: bytes = OPEN_REQUEST) -> bool:
    """True when another instance is listening and got the request.

    On Unix this is a plain socket connect, so that a second start can exit before Qt's network module loads and
    a first start pays nothing for the check before its icon is up."""
    if sys.platform != "win32":
        if not _trusted(name):
            return False
        import socket  # here: a first start (no socket file) does not need it

        with contextlib.closing(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)) as unix:
            unix.settimeout(CONNECT_TIMEOUT_MS / 1000)
            try:
                unix.connect(name)
                unix.sendall(request)
            except OSError:  # no file, or a file nobody listens on (a crash left it)
                return False
            return True
    from PySide6.QtNetwork import QLocalSocket

    from pdtray.ui.windows_focus import focus_handoff

    handoff = focus_handoff()
    if handoff is not None:
        handoff()  # the running tray may then bring its popup to the front
    socket_ = QLocalSocket()
    socket_.connectToServer(name)
    if not socket_.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket_.write(request)
    socket_.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket_.disconnectFromServer()
    if socket_.state() != QLocalSocket.LocalSocketState.UnconnectedState:
        socket_.waitForDisconnected(CONNECT_TIMEOUT_MS)
    return True


class SingleInstance(QObject):
    """The running instance's end: emits ``open_requested`` when a second start asks for the popup."""

    open_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer  # after the icon is up: start-up does not wait for it

        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._clients: set[QLocalSocket] = set()

    def listen(self) -> bool:
        """Starts listening. False when another live instance already does (it has then been asked to open).

        Asking first matters on Windows, where a second server may listen on a pipe name already in use. The
        caller holds the InstanceLock, so a socket that does not answer is a crash's leftover."""
        if ask_running_instance(self.name):
            return False
        from PySide6.QtNetwork import QAbstractSocket, QLocalServer

        if self._server.listen(self.name):
            return True
        if self._server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
            # Not fatal: pdtray works, only a second start would not find this one.
            log.warning("single-instance socket %s: %s", self.name, self._server.errorString())
            return True
        if ask_running_instance(self.name):
            return False
        log.info("removing the stale single-instance socket %s left by an earlier crash", self.name)
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            log.warning("single-instance socket %s: %s", self.name, self._server.errorString())
        return True

    def close(self) -> None:
        for client in list(self._clients):
            client.readyRead.disconnect()
            client.disconnected.disconnect()
            client.abort()
            client.deleteLater()
        self._clients.clear()
        self._server.close()

    def _accept(self) -> None:
        while (client := self._server.nextPendingConnection()) is not None:
            self._clients.add(client)
            client.readyRead.connect(lambda c=client: self._read(c))
            client.disconnected.connect(lambda c=client: self._drop(c))

    def _read(self, client: QLocalSocket) -> None:
        while client.canReadLine():
            line = bytes(client.readLine().data())
            if line == OPEN_REQUEST:
                self.open_requested.emit()
            else:
                log.warning("single-instance socket: ignoring an unknown request %r", line[:40])

    def _drop(self, client: QLocalSocket) -> None:
        self._read(client)  # a request and the disconnect can arrive together
        self._clients.discard(client)
        client.deleteLater()
