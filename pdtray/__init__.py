"""pdtray: PagerDuty on-call in the desktop tray."""

__version__ = "0.1.0"
APP_NAME = "pdtray"
