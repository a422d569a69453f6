"""settings.json: round trip, atomic writes, corrupt files set aside, bad values replaced field by field."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from pdtray.app.settings import Settings, load_settings, save_settings, setting_fields, updated


def test_defaults_when_there_is_no_file(tmp_path):
    loaded = load_settings(tmp_path)
    assert loaded.settings == Settings()
    assert loaded.warnings == ()
    assert Settings().lead_times == [12 * 3600, 15 * 60]
    assert Settings().poll_interval == 60


def test_round_trip(tmp_path):
    chosen = updated(
        Settings(),
        region="eu",
        poll_interval=120,
        lead_times=[600, 86400, 3600],
        watched_schedules=["PA", "PB", "PA"],
        display_time_zone="Asia/Kolkata",
        launch_at_login=True,
    )
    path = save_settings(chosen, tmp_path)
    assert path == tmp_path / "settings.json"
    loaded = load_settings(tmp_path)
    assert loaded.warnings == ()
    assert loaded.settings == chosen
    assert loaded.settings.lead_times == [86400, 3600, 600]  # longest first, as reminders fire
    assert loaded.settings.watched_schedules == ["PA", "PB"]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_the_token_is_not_a_setting():
    assert not any("token" in f.name for f in setting_fields())


def test_every_setting_has_a_label_and_help():
    for f in setting_fields():
        assert f.metadata["label"] and f.metadata["help"] and callable(f.metadata["check"]) and f.metadata["editor"]


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_corrupt_file_is_kept_aside(tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)
    loaded = load_settings(tmp_path, clock=lambda: datetime(2026, 11, 22, 14, 30, 5))
    assert loaded.settings == Settings()
    [warning] = loaded.warnings
    assert "settings.json.corrupt-20261122-143005" in warning
    assert (tmp_path / "settings.json.corrupt-20261122-143005").read_bytes() == content
    assert not (tmp_path / "settings.json").exists()


def test_bad_values_fall_back_one_by_one(tmp_path):
    (tmp_path / "settings.json").write_text(
        json.dumps({"region": "mars", "poll_interval": 10, "lead_times": [900], "display_time_zone": "Nowhere/City"})
    )
    loaded = load_settings(tmp_path)
    assert loaded.settings.region == "us"
    assert loaded.settings.poll_interval == 60
    assert loaded.settings.lead_times == [900]  # the good value survives
    assert loaded.settings.display_time_zone == ""
    assert len(loaded.warnings) == 3
    assert any("'Service region' must be 'us' or 'eu'" in w for w in loaded.warnings)


def test_updated_checks_values():
    with pytest.raises(ValueError):
        updated(Settings(), poll_interval=29)
    with pytest.raises(ValueError):
        updated(Settings(), api_url="http://pagerduty.example.com")
    with pytest.raises(KeyError):
        updated(Settings(), token="x")
    assert updated(Settings(), api_url="https://pd.example.com").api_url == "https://pd.example.com"


def test_unknown_keys_are_ignored(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"from_the_future": 1, "region": "eu"}))
    loaded = load_settings(tmp_path)
    assert loaded.settings.region == "eu" and loaded.warnings == ()
