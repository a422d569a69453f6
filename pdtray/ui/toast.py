"""pdtray's own notification: a small window at the top right of the screen, for where the system's cannot be
relied on.

macOS delivers notifications only for a signed app bundle: from a pipx or virtualenv install (and from an
unsigned .app) they are dropped, and Qt's tray balloon on macOS goes through the same deprecated centre. A shift
reminder must not be lost, so there pdtray shows this instead. It takes no focus, stays above other windows,
has no taskbar entry, and closes by itself after a while unless it is urgent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from pdtray.ui.window_placement import keep_out_of_taskbar

MARGIN = 16
WIDTH = 340
#: how long a toast that is not urgent stays; an urgent one stays until dismissed
LINGER_MS = 15_000


class Toast(QFrame):
    def __init__(
        self,
        title: str,
        body: str,
        buttons: Sequence[tuple[str, Callable[[], None]]],
        *,
        urgent: bool,
        on_clicked: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # Qt imported here, not with the module (which loads at start-up): importing it builds its whole namespace
        from PySide6.QtCore import Qt

        self.setWindowFlags(
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("pdtrayToast")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(WIDTH)
        self._on_clicked = on_clicked
        self.title = QLabel(title, textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.body = QLabel(body, textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: list[QPushButton] = []
        for text, action in buttons:
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, act=action: self._act(act))
            row.addWidget(button)
            self.buttons.append(button)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.close)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        layout.addLayout(row)
        if not urgent:
            QTimer.singleShot(LINGER_MS, self.close)

    def _act(self, action: Callable[[], None]) -> None:
        action()
        self.close()

    def mouseReleaseEvent(self, event: object) -> None:  # a click on the text: what clicking a notification does
        if self._on_clicked is not None:
            self._act(self._on_clicked)

    def show_at_top_right(self, stacked_below: int = 0) -> None:
        """Top right of the screen's free area (below a macOS menu bar), ``stacked_below`` pixels lower when
        other toasts are already showing."""
        self.adjustSize()
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        if area is not None:
            self.move(QPoint(area.right() - self.width() - MARGIN, area.top() + MARGIN + stacked_below))
        keep_out_of_taskbar(QGuiApplication.platformName(), int(self.winId()))
        self.show()
