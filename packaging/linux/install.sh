#!/bin/sh
# Installs the pdtray Linux bundle for the current user: the program, a menu entry, icons and AppStream metadata.
#
#   ./install.sh              from inside the unpacked bundle (dist/pdtray/ after `make bundle`)
#   ./install.sh --uninstall  removes all of it again (settings, cache and keyring entry stay)
#
# Nothing needs root: everything goes under $XDG_DATA_HOME (~/.local/share) and ~/.local/bin.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=$HOME/.local/bin
app=$data/pdtray/app
id=io.github.pdtray
sizes="16 24 32 48 64 128 256 512"

uninstall() {
  rm -rf "$app"
  rm -f "$bin/pdtray" "$data/applications/$id.desktop" "$data/metainfo/$id.metainfo.xml"
  rm -f "$data/icons/hicolor/scalable/apps/$id.svg"
  for n in $sizes; do rm -f "$data/icons/hicolor/${n}x${n}/apps/$id.png"; done
  rmdir "$data/pdtray" 2>/dev/null || true
}

refresh_caches() {
  # optional: desktops notice new entries without these, only later
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  uninstall
  refresh_caches
  echo "pdtray removed (settings in ~/.config/pdtray and the keyring entry were kept)"
  exit 0
fi

if [ ! -x "$here/pdtray" ] || [ ! -d "$here/_internal" ]; then
  echo "install.sh: run me from the unpacked pdtray bundle (the folder holding the pdtray program)" >&2
  exit 2
fi

uninstall  # an upgrade replaces the old files instead of mixing with them
mkdir -p "$app" "$bin" "$data/applications" "$data/metainfo" "$data/icons/hicolor/scalable/apps"
cp -R "$here/." "$app/"
ln -sf "$app/pdtray" "$bin/pdtray"

icons=$here/_internal/pdtray/resources/icons
cp "$icons/pdtray.svg" "$data/icons/hicolor/scalable/apps/$id.svg"
for n in $sizes; do
  mkdir -p "$data/icons/hicolor/${n}x${n}/apps"
  cp "$icons/app/pdtray-$n.png" "$data/icons/hicolor/${n}x${n}/apps/$id.png"
done
# The menu entry runs this copy by its full path: ~/.local/bin is not on every desktop session's PATH.
sed "s|^Exec=pdtray\$|Exec=\"$app/pdtray\"|" "$here/$id.desktop" > "$data/applications/$id.desktop"
cp "$here/$id.metainfo.xml" "$data/metainfo/$id.metainfo.xml"
refresh_caches
echo "pdtray installed in $app; start it from the applications menu or with $bin/pdtray"
