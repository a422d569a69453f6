"""What pdtray ships: the sdist and wheel carry the icons and install into a fresh virtualenv that runs, and the
Linux menu entry and AppStream metadata pass the freedesktop validators."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tomllib
import venv
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from desktop import need

from pdtray import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
#: every file under resources/icons must ship; a few named ones make a failure readable
KEY_RESOURCES = [
    "icons/pdtray.svg",
    "icons/tray/dark/on-call.svg",
    "icons/tray/mono/problem.svg",
    "icons/app/pdtray-256.png",
    "icons/app/pdtray.ico",
    "icons/app/pdtray.icns",
]


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pdtray").rglob("__init__.py")} | {
        "pdtray.resources"
    }
    assert found == listed


def test_desktop_entry_validates():
    need("desktop-file-validate")
    result = subprocess.run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_metainfo_validates_and_names_this_version():
    need("appstreamcli")
    path = LINUX / f"{APP_ID}.metainfo.xml"
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(path).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.find("releases/release").get("version") == __version__


def _all_resources() -> list[str]:
    base = ROOT / "resources"
    return sorted(str(p.relative_to(base)) for p in (base / "icons").rglob("*") if p.is_file())


def test_sdist_and_wheel_carry_the_icons_and_install_and_run_in_a_fresh_virtualenv(tmp_path):
    dist = tmp_path / "dist"
    # build makes the sdist, then the wheel from the unpacked sdist: a file missing from the sdist fails here too
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], check=True, capture_output=True)
    sdist = next(dist.glob("pdtray-*.tar.gz"))
    wheel = next(dist.glob("pdtray-*.whl"))
    assert wheel.name.startswith(f"pdtray-{__version__}-py3-none-any")
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = set(zf.namelist())
    expected = _all_resources()
    assert set(KEY_RESOURCES) <= set(expected)
    assert [r for r in expected if f"resources/{r}" not in in_sdist] == []
    assert [r for r in expected if f"pdtray/resources/{r}" not in in_wheel] == []

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    version = subprocess.run([bin_dir / "pdtray", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"pdtray {__version__}"
    oncall = subprocess.run(
        [bin_dir / "pdtray", "--demo", "oncall", "--json"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert oncall.returncode == 0, oncall.stderr
    rows = json.loads(oncall.stdout)
    primary = [r for r in rows if r["schedule"] and r["schedule"]["name"] == "Platform Primary"]
    assert {r["user"]["name"] for r in primary} == {"Alice Nguyen"}
    # the icons load from the installed package, not from this checkout
    where = subprocess.run(
        [bin_dir / "python", "-c", "from pdtray.ui.icons import icon_path; print(icon_path('on-call', 'dark'))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert Path(where).is_file() and Path(where).is_relative_to(env_dir)
