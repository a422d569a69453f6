"""The Linux one-folder bundle built from packaging/pdtray.spec with PyInstaller: it runs without Python
installed beside it, installs for the user with its own install.sh, and its tray icon comes up in a real tray."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from desktop import embedded_icons, need, stop, tray_host, wait_for, xvfb

from pdtray import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux bundle"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    result = subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", str(ROOT / "packaging" / "pdtray.spec"), "--noconfirm",
            "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    return work / "dist" / "pdtray"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No PYTHONPATH or virtualenv leaking in: the bundle must carry everything it imports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/bin:/bin"
    return {**env, "HOME": str(tmp_path / "home"), **extra}


def test_bundle_runs_the_command_line(bundle, tmp_path):
    env = clean_env(tmp_path)
    version = subprocess.run([bundle / "pdtray", "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.strip() == f"pdtray {__version__}", version.stderr
    oncall = subprocess.run(
        [bundle / "pdtray", "--demo", "oncall", "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert oncall.returncode == 0, oncall.stderr
    assert any(r["user"]["name"] == "Alice Nguyen" for r in json.loads(oncall.stdout))


def test_install_script_puts_the_app_in_the_menu_and_uninstall_removes_it(bundle, tmp_path):
    need("desktop-file-validate")
    env = clean_env(tmp_path)
    home = Path(env["HOME"])
    data = home / ".local" / "share"
    result = subprocess.run(["sh", bundle / "install.sh"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    app = data / "pdtray" / "app"
    entry = data / "applications" / f"{APP_ID}.desktop"
    assert f'Exec="{app}/pdtray"' in entry.read_text().splitlines()
    validated = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout
    for size in (16, 32, 48, 256, 512):
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    installed = subprocess.run([home / ".local" / "bin" / "pdtray", "--version"], capture_output=True, text=True)
    assert installed.stdout.strip() == f"pdtray {__version__}", installed.stderr

    removed = subprocess.run(["sh", app / "install.sh", "--uninstall"], capture_output=True, text=True, env=env)
    assert removed.returncode == 0, removed.stderr
    assert not app.exists() and not entry.exists()
    assert not (home / ".local" / "bin" / "pdtray").exists()
    assert list((data / "icons").rglob("*.png")) == []


def test_bundled_tray_app_shows_its_icon_in_a_real_tray(bundle, tmp_path):
    need("Xvfb", "trayer", "xwininfo")
    with xvfb() as display, tray_host(display):
        env = clean_env(
            tmp_path,
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            PDTRAY_CONFIG_DIR=str(tmp_path / "config"),
            PDTRAY_CACHE_DIR=str(tmp_path / "cache"),
        )
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        log = (tmp_path / "bundle.log").open("wb")
        app = subprocess.Popen([bundle / "pdtray", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: [w for w in embedded_icons(display) if w.name == "pdtray"], 60, "the bundle's tray icon")
        finally:
            code = stop(app)
            log.close()
        output = (tmp_path / "bundle.log").read_text(errors="replace")
        assert code == 0, output
        assert "Traceback" not in output, output
