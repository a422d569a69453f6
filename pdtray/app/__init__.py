"""State and services: configuration, secrets, fetching and (with the tray) the refresh loop. Qt only for signals."""
