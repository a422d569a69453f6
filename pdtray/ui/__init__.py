"""Widgets, tray, dialogs. Reads state from pdtray.app and sends intents back; no HTTP here."""
