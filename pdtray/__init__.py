"""pdtray: PagerDuty on-call in the desktop tray."""

__version__ = "0.1.0"
APP_NAME = "pdtray"
#: reverse-DNS id: the .desktop file, AppStream metainfo, icon theme name and macOS bundle identifier
APP_ID = "io.github.pdtray"
