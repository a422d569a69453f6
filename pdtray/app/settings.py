"""Settings other than the token, declared as data and kept in settings.json in the config dir.

Each field carries its label, help text and check, so the settings dialog can be generated from the declaration
and the loader can reject a bad value field by field instead of discarding the whole file. Writes are atomic
(temporary file, fsync, rename). A file that cannot be read at all is kept aside under a new name, never deleted,
and defaults are used, with a warning the UI shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from pdtray.app.atomic_file import write_atomically
from pdtray.app.json_file import UnusableFileError, move_aside, read_json_object
from pdtray.app.paths import config_dir

SETTINGS_FILE = "settings.json"


def _region(value: Any) -> str:
    if value not in ("us", "eu"):
        raise ValueError("must be 'us' or 'eu'")
    return value


def _url(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if value:
        from pdtray.pagerduty.errors import ConfigurationError
        from pdtray.pagerduty.service_urls import check_url

        try:
            check_url(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
    return value


def _client_id(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200 or any(c.isspace() for c in value.strip()):
        raise ValueError("must be the client ID PagerDuty shows for your OAuth app, without spaces")
    return value.strip()


#: what one more account holds (the first account is the top-level settings)
ACCOUNT_KEYS = ("name", "region", "api_url", "oauth_client_id", "watched_schedules")


def _accounts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ValueError("must be a list of accounts")
    checked: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ValueError("each account needs a name")
        name = item["name"].strip()
        if len(name) > 60 or any(c in name for c in ":/\\\n"):
            raise ValueError(f"account name {name!r}: at most 60 characters, without : / or \\")
        if any(a["name"].casefold() == name.casefold() for a in checked):
            raise ValueError(f"two accounts are named {name!r}")
        checked.append(
            {
                "name": name,
                "region": _region(item.get("region", "us")),
                "api_url": _url(item.get("api_url", "")),
                "oauth_client_id": _client_id(item.get("oauth_client_id", "")),
                "watched_schedules": _ids(item.get("watched_schedules", [])),
            }
        )
    return checked


def _poll(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 30 <= value <= 3600:
        raise ValueError("must be a whole number of seconds from 30 to 3600")
    return value


def _lead_times(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 7 * 86400 for v in value
    ):
        raise ValueError("must be a list of seconds, each more than 0 and at most 7 days")
    return sorted(set(value), reverse=True)


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a list of schedule IDs")
    return list(dict.fromkeys(value))


def _zone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a time zone name such as Europe/Berlin, or empty for local time")
    if value:
        # imported here: zoneinfo reads sysconfig to find the zone files, 2 ms of every start that most people, in
        # their machine's own zone, never use
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not a known time zone") from None
    return value


#: tray icon colours: the panel they are drawn for ("auto": follow the desktop's colour scheme)
TRAY_ICON_STYLES = ("auto", "light", "dark")


def _tray_icons(value: Any) -> str:
    if value not in TRAY_ICON_STYLES:
        raise ValueError("must be 'auto', 'light' or 'dark'")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _setting(default: Any, label: str, help: str, check: Callable[[Any], Any], editor: str) -> Any:
    """A declared setting; ``editor`` names the kind of control the settings dialog builds for it."""
    factory = (lambda: list(default)) if isinstance(default, list) else None
    meta = {"label": label, "help": help, "check": check, "editor": editor}
    return field(default_factory=factory, metadata=meta) if factory else field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    region: str = _setting("us", "Service region", "Where your PagerDuty account lives: US or EU.", _region, "region")
    api_url: str = _setting(
        "",
        "Custom API URL",
        "Overrides the region, for a proxy. Must be https (http only for this machine).",
        _url,
        "url",
    )
    oauth_client_id: str = _setting(
        "",
        "OAuth client ID",
        "Your organisation's PagerDuty OAuth app, for Sign in with PagerDuty (an admin registers it).",
        _client_id,
        "text",
    )
    poll_interval: int = _setting(60, "Refresh every", "Seconds between refreshes (30 s to 1 h).", _poll, "seconds")
    lead_times: list[int] = _setting(
        [12 * 3600, 15 * 60],
        "Remind me before my shift",
        "How long before each of your shifts to notify you.",
        _lead_times,
        "lead_times",
    )
    watched_schedules: list[str] = _setting(
        [],
        "Watched schedules",
        "Shown in the tooltip and first in the list; empty: the schedules you are in.",
        _ids,
        "schedules",
    )
    display_time_zone: str = _setting(
        "", "Display time zone", "Show times in this zone instead of this computer's local time.", _zone, "time_zone"
    )
    notify_shift_start: bool = _setting(
        True, "Notify when my shift starts", "A notification as each of your shifts begins.", _bool, "bool"
    )
    notify_shift_end: bool = _setting(
        True, "Notify when my shift ends", "A notification as each of your shifts ends.", _bool, "bool"
    )
    notify_changes: bool = _setting(
        True,
        "Notify when my shifts change",
        "When one of your shifts in the next 7 days appears, disappears or moves (an override or a swap).",
        _bool,
        "bool",
    )
    notify_incidents: bool = _setting(
        True,
        "Notify about incidents for me",
        "When an incident is triggered and assigned to you, with Acknowledge and Open buttons.",
        _bool,
        "bool",
    )
    notify_coverage_gaps: bool = _setting(
        False,
        "Notify about coverage gaps",
        "When a watched schedule will have nobody on call within the next 24 hours. Checked hourly, with one "
        "request per watched schedule.",
        _bool,
        "bool",
    )
    tray_icons: str = _setting(
        "auto",
        "Tray icons for",
        "Icons drawn for a light or a dark panel. Automatic follows the desktop's colour scheme; choose here when "
        "the panel's colours differ from the windows' (as in GNOME's dark top bar).",
        _tray_icons,
        "tray_icons",
    )
    launch_at_login: bool = _setting(False, "Launch at login", "Start pdtray when you log in.", _bool, "bool")
    accounts: list[dict[str, Any]] = _setting(
        [],
        "Other accounts",
        "More PagerDuty accounts, each with its own region or URL and credential (`pdtray accounts`). The settings "
        "above are the first account's.",
        _accounts,
        "accounts",
    )


def setting_fields() -> list[Any]:
    """The declared settings, in order, for the dialog to build its rows from."""
    return list(fields(Settings))


def _default(f: Any) -> Any:
    return f.default_factory() if f.default is MISSING else f.default


class LoadedSettings(NamedTuple):
    """A NamedTuple, not a frozen dataclass: cheaper to create at start-up (0.05 ms against 0.4 ms)."""

    settings: Settings
    #: problems to show the user (a corrupt file set aside, values replaced by defaults)
    warnings: tuple[str, ...] = ()


def settings_path(directory: Path | None = None) -> Path:
    return (directory or config_dir()) / SETTINGS_FILE


def load_settings(directory: Path | None = None, *, clock: Callable[[], datetime] = datetime.now) -> LoadedSettings:
    path = settings_path(directory)
    try:
        data = read_json_object(path)
    except OSError as exc:
        return LoadedSettings(Settings(), (f"Could not read {path} ({exc.strerror}); using default settings.",))
    except UnusableFileError as exc:
        kept = move_aside(path, clock)
        return LoadedSettings(
            Settings(),
            (f"The settings file {path} was not readable ({exc}) and {kept}; default settings are in use.",),
        )
    if data is None:
        return LoadedSettings(Settings())
    values: dict[str, Any] = {}
    warnings = []
    for f in fields(Settings):
        if f.name not in data:
            continue
        try:
            values[f.name] = f.metadata["check"](data[f.name])
        except ValueError as exc:
            values[f.name] = _default(f)
            warnings.append(f"{path}: '{f.metadata['label']}' {_clause(exc)}; the default is used instead.")
    return LoadedSettings(Settings(**values), tuple(warnings))


def _clause(exc: ValueError) -> str:
    text = str(exc).rstrip(".")
    return text if text.startswith("must") else f"is not usable ({text})"


def save_settings(settings: Settings, directory: Path | None = None) -> Path:
    payload = json.dumps(asdict(settings), indent=2, sort_keys=True).encode() + b"\n"
    return write_atomically(settings_path(directory), payload)


def merged_with_disk(before: Settings, after: Settings, directory: Path | None = None) -> Settings:
    """``after`` (this process's change of ``before``) applied to what is on disk now, field by field.

    Someone may have edited settings.json while pdtray ran (by hand, or a second profile's tool): a field this
    process did not change keeps the file's value instead of being overwritten with the old one. A file that
    cannot be read whole now (corrupt, a bad value) is no base to merge onto: defaults would replace what this
    process knows, so its own settings are saved as they are."""
    loaded = load_settings(directory)
    if loaded.warnings:
        return after
    on_disk = loaded.settings
    changes = {
        f.name: getattr(after, f.name) for f in fields(Settings) if getattr(after, f.name) != getattr(before, f.name)
    }
    return replace(on_disk, **changes)


def updated(settings: Settings, **changes: Any) -> Settings:
    """A copy with ``changes`` checked the same way as values loaded from the file."""
    checked = {}
    for f in fields(Settings):
        if f.name in changes:
            checked[f.name] = f.metadata["check"](changes[f.name])
    unknown = set(changes) - set(checked)
    if unknown:
        raise KeyError(f"unknown settings: {', '.join(sorted(unknown))}")
    return replace(settings, **checked)
