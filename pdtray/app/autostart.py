"""Launch at login, the way each platform expects it, so that turning it off in pdtray (or in the desktop's own
startup settings) is the only state there is: no flag in our settings can disagree with what will really happen.

- Linux and other XDG desktops: ``pdtray.desktop`` in ``$XDG_CONFIG_HOME/autostart``.
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/io.github.pdtray.plist``, run at load.
- Windows: a ``pdtray`` value under ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.

The file and value contents come from plain functions, so that each platform's text is tested on any machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from pdtray import APP_ID, APP_NAME
from pdtray.app.atomic_file import write_atomically

LAUNCH_AGENT_LABEL = APP_ID
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
#: where Task Manager's Startup tab (and Settings > Apps > Startup) records that the user switched an entry off:
#: a binary value whose first byte is odd (0x03) when disabled, even (0x02, 0x06) when enabled
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
#: the bundle's console launcher, for the command line; at login the windowless pdtray.exe beside it runs
CLI_EXE = "pdtray-cli.exe"
#: a panel started in the same second as pdtray may not accept tray icons yet
AUTOSTART_DELAY_S = 5
#: characters that make an argument need quotes in a desktop entry's Exec line (Desktop Entry spec, "Exec key")
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class AutostartError(Exception):
    """Launch at login could not be changed; the message says where and why."""


def launch_command(
    *, executable: str | None = None, frozen: bool | None = None, platform: str | None = None
) -> list[str]:
    """The command a login session should run: the bundle's own binary when frozen, else this Python with
    ``-m pdtray`` (correct for any virtualenv, unlike whichever ``pdtray`` happens to be first on PATH). On Windows
    pythonw.exe is used so that no console window opens at login."""
    executable = executable or sys.executable
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    platform = platform or sys.platform
    if frozen:
        if Path(executable).name.lower() == CLI_EXE:
            # started from the command-line launcher: at login that would open a console for the tray's life
            return [str(Path(executable).with_name("pdtray.exe"))]
        return [executable]
    if platform == "win32":
        # not pdtray.exe/pdtrayw.exe from pip: the interpreter itself, windowless, is found again after upgrades
        windowless = Path(executable).with_name("pythonw.exe")
        if Path(executable).name.lower() == "python.exe" and windowless.exists():
            executable = str(windowless)
    return [executable, "-m", "pdtray"]


def _exec_argument(arg: str) -> str:
    if arg and not _EXEC_RESERVED.intersection(arg):
        return arg.replace("%", "%%")
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    # The Exec value is itself a string value, whose own escapes are undone first: double each backslash again.
    return '"' + quoted.replace("\\", "\\\\").replace("%", "%%") + '"'


def exec_line(argv: Sequence[str]) -> str:
    """An Exec value that runs exactly ``argv`` after a desktop undoes both levels of escaping."""
    return " ".join(_exec_argument(a) for a in argv)


def desktop_entry(argv: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=PagerDuty on-call in the desktop tray\n"
        f"Exec={exec_line(argv)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
        f"X-GNOME-Autostart-Delay={AUTOSTART_DELAY_S}\n"
    )


def launch_agent_plist(argv: Sequence[str]) -> bytes:
    import plistlib  # macOS only: with its XML parser, not loaded by every start elsewhere

    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(argv),
            "RunAtLoad": True,
            "KeepAlive": False,  # Quit in the menu means quit; launchd must not bring it back
            "ProcessType": "Interactive",
        }
    )


def run_key_value(argv: Sequence[str]) -> str:
    """The Run value's command line, quoted the way Windows programs split their arguments."""
    return subprocess.list2cmdline(list(argv))


class Autostart(Protocol):
    def location(self) -> str: ...
    def is_enabled(self) -> bool: ...
    def enable(self, argv: Sequence[str]) -> None: ...
    def disable(self) -> None: ...


class _FileAutostart:
    """Shared by the XDG entry and the LaunchAgent: both are one file that exists exactly when enabled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        return self.path.is_file()

    def content(self, argv: Sequence[str]) -> bytes:
        raise NotImplementedError

    def enable(self, argv: Sequence[str]) -> None:
        try:
            write_atomically(self.path, self.content(argv))
        except OSError as exc:
            raise AutostartError(f"Could not write {self.path}: {exc.strerror or exc}") from exc

    def disable(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise AutostartError(f"Could not remove {self.path}: {exc.strerror or exc}") from exc


class XdgAutostart(_FileAutostart):
    def __init__(self, config_home: Path | None = None) -> None:
        if config_home is None:
            configured = os.environ.get("XDG_CONFIG_HOME", "")
            config_home = Path(configured) if os.path.isabs(configured) else Path.home() / ".config"
        super().__init__(config_home / "autostart" / f"{APP_NAME}.desktop")

    def content(self, argv: Sequence[str]) -> bytes:
        return desktop_entry(argv).encode()


class LaunchAgent(_FileAutostart):
    def __init__(self, home: Path | None = None) -> None:
        super().__init__((home or Path.home()) / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist")

    def content(self, argv: Sequence[str]) -> bytes:
        return launch_agent_plist(argv)

    def enable(self, argv: Sequence[str]) -> None:
        if argv and "/AppTranslocation/" in argv[0]:
            # Gatekeeper runs an app opened from Downloads from a random read-only copy that is gone after a
            # reboot: a login item pointing there would never start.
            raise AutostartError(
                "pdtray is running from a temporary copy that macOS made because it was opened where it was "
                "downloaded. Move pdtray.app to Applications, open it from there, then turn on Launch at login."
            )
        super().enable(argv)


class RunKey:
    """The per-user Run key. ``registry`` is the winreg module (imported on use, as it exists only on Windows);
    tests pass fake-winreg, which has the same API.

    "Enabled" means what Windows will do at login: the Run value exists and Task Manager has not switched it off
    under StartupApproved. Ticking the box in Settings switches it back on there too."""

    def __init__(self, registry: Any = None) -> None:
        self._registry = registry

    @property
    def winreg(self) -> Any:
        if self._registry is None:
            import winreg  # type: ignore[import-not-found]

            self._registry = winreg
        return self._registry

    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{APP_NAME}"

    def is_enabled(self) -> bool:
        reg = self.winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                reg.QueryValueEx(key, APP_NAME)
        except OSError:
            return False
        return not self._switched_off()

    def _switched_off(self) -> bool:
        reg = self.winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY) as key:
                value, _ = reg.QueryValueEx(key, APP_NAME)
        except OSError:
            return False  # never touched in Task Manager: enabled
        return isinstance(value, bytes | bytearray) and len(value) > 0 and value[0] % 2 == 1

    def enable(self, argv: Sequence[str]) -> None:
        reg = self.winreg
        try:
            with reg.CreateKey(reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                reg.SetValueEx(key, APP_NAME, 0, reg.REG_SZ, run_key_value(argv))
            if self._switched_off():
                with reg.OpenKey(reg.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY, 0, reg.KEY_SET_VALUE) as key:
                    reg.DeleteValue(key, APP_NAME)  # no value: enabled, as for an entry Task Manager never saw
        except OSError as exc:
            raise AutostartError(f"Could not write {self.location()}: {exc}") from exc

    def disable(self) -> None:
        reg = self.winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, APP_NAME)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AutostartError(f"Could not remove {self.location()}: {exc}") from exc


def autostart_for(platform: str | None = None) -> Autostart:
    platform = platform or sys.platform
    if platform == "win32":
        return RunKey()
    if platform == "darwin":
        return LaunchAgent()
    return XdgAutostart()


def apply(enabled: bool, autostart: Autostart | None = None, argv: Sequence[str] | None = None) -> None:
    """Makes launch at login match ``enabled``. Enabling again rewrites the command, which keeps it right after
    pdtray moved (a new virtualenv, an upgraded bundle)."""
    autostart = autostart or autostart_for()
    if enabled:
        autostart.enable(argv or launch_command())
    else:
        autostart.disable()
