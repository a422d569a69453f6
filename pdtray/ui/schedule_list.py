"""The popup's schedule list: who is on call now for each schedule, filter as you type, star to watch.

Starred schedules come first. Keyboard: type to filter, Down/Up to move, Enter to open the timeline, Space or
Ctrl+S to star, Escape to clear the filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from pdtray.oncall import Schedule, ScheduleOnCall
from pdtray.oncall.display_text import inert
from pdtray.oncall.summary import people_summary

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
STAR_WIDTH = 28


@dataclass(frozen=True)
class ScheduleRow:
    schedule: Schedule
    starred: bool
    on_call: str  # "Alice Nguyen (L1) until 17:00 today" or "Nobody on call"
    nobody: bool
    #: who is on call now (ID, name): each has a "Contact…" entry in the row's context menu
    people: tuple[tuple[str, str], ...] = ()

    @property
    def details(self) -> str:
        # a shift-based list item is a bare reference: its zone is not known until its timeline is read
        zone = self.schedule.time_zone if self.schedule.details_known else ""
        parts = ["Shift-based" if self.schedule.shift_based else "", self.schedule.description, zone]
        return " · ".join(p for p in parts if p)

    @property
    def search_text(self) -> str:
        return " ".join(
            [self.schedule.name, self.schedule.description, self.schedule.time_zone, self.on_call]
        ).casefold()


def build_rows(
    schedules: list[Schedule],
    on_call: dict[str, ScheduleOnCall],
    starred: list[str],
    now: datetime,
    tz: tzinfo | None,
) -> list[ScheduleRow]:
    rows = []
    for schedule in schedules:
        entry = on_call.get(schedule.id)
        if not schedule.used_by_policies:
            rows.append(ScheduleRow(schedule, schedule.id in starred, "Not used by any escalation policy", False))
            continue
        if entry is None or not entry.people:
            rows.append(ScheduleRow(schedule, schedule.id in starred, "Nobody on call", True))
            continue
        people = tuple((p.user.id, p.user.display_name) for p in entry.people)
        rows.append(ScheduleRow(schedule, schedule.id in starred, people_summary(entry, now, tz), False, people))
    return rows


def in_list_order(rows: list[ScheduleRow]) -> list[ScheduleRow]:
    """Starred first, then by name: one Python sort rather than the proxy's (which calls back into Python twice per
    comparison: tenths of a second for 2,000 schedules)."""
    return sorted(rows, key=lambda r: (not r.starred, r.schedule.name.casefold(), r.schedule.id))


@dataclass(frozen=True)
class RowUpdate:
    """What the list has to do to show ``rows`` (in list order) instead of ``base``: redraw the rows at
    ``changed`` in place, or, when ``changed`` is None (other schedules, or another order), start over.

    Worked out wherever the rows were built, which for a large account is a worker thread: comparing 2,000 rows
    is then no work for the UI thread."""

    base: list[ScheduleRow]
    rows: list[ScheduleRow]
    changed: list[int] | None


def row_update(base: list[ScheduleRow], rows: list[ScheduleRow]) -> RowUpdate:
    if len(rows) != len(base) or any(a.schedule.id != b.schedule.id for a, b in zip(rows, base, strict=True)):
        return RowUpdate(base, rows, None)
    return RowUpdate(base, rows, [i for i, (a, b) in enumerate(zip(base, rows, strict=True)) if a != b])


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7] -> [(1, 3), (7, 7)]: one dataChanged per run of neighbouring rows."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


class ScheduleListModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ScheduleRow] = []

    def apply(self, update: RowUpdate) -> bool:
        """In place when the same schedules come in the same order (every refresh but a new schedule list or a
        star): only the rows that changed are redrawn, and the selection and scroll position stay. Returns whether
        the list started over. An update worked out against rows that have been replaced since is worked out
        again here."""
        if update.base is not self.rows:
            update = row_update(self.rows, update.rows)
        if update.changed is not None:
            self.rows = update.rows
            for first, last in _runs(update.changed):
                self.dataChanged.emit(self.index(first, 0), self.index(last, 0))
            return False
        self.beginResetModel()
        self.rows = update.rows
        self.endResetModel()
        return True

    def position_of(self, schedule_id: str) -> int | None:
        return next((i for i, row in enumerate(self.rows) if row.schedule.id == schedule_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.schedule.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return inert(f"{row.schedule.name}\n{row.on_call}\n{row.details}")  # Qt reads tooltips as rich text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            star = "starred, " if row.starred else ""
            return f"{star}{row.schedule.name}: {row.on_call}"
        if role == ROW_ROLE:
            return row
        return None


class ScheduleFilter(QSortFilterProxyModel):
    """Keeps rows whose name, description, zone or on-call person match, in the model's order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+: the non-deprecated way to refilter
            self.beginFilterChange()
            self._needle = text.strip().casefold()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = text.strip().casefold()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._needle:
            return True
        row: ScheduleRow = self.sourceModel().index(source_row, 0, source_parent).data(ROW_ROLE)
        return all(word in row.search_text for word in self._needle.split())


class ScheduleDelegate(QStyledItemDelegate):
    """Draws a row: star, name, who is on call, description and time zone, in the palette's colours."""

    star_clicked = Signal(str)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        height = QFontMetrics(option.font).height()
        return QSize(320, int(height * 3.4) + 8)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        row: ScheduleRow = index.data(ROW_ROLE)
        widget = option.widget
        style = widget.style() if widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect: QRect = option.rect.adjusted(6, 4, -8, -4)
        painter.save()
        star_font = QFont(option.font)
        star_font.setPointSizeF(option.font.pointSizeF() * 1.3)
        painter.setFont(star_font)
        if selected:
            star_colour = palette.color(QPalette.ColorRole.HighlightedText)
        elif row.starred:
            star_colour = palette.color(QPalette.ColorRole.Link)
        else:
            star_colour = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(star_colour)
        painter.drawText(
            QRect(rect.left(), rect.top(), STAR_WIDTH, rect.height() // 3 + 4),
            Qt.AlignmentFlag.AlignLeft,
            "★" if row.starred else "☆",
        )
        text_rect = rect.adjusted(STAR_WIDTH, 0, 0, 0)
        line = QFontMetrics(option.font).height()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(palette.color(text_role))
        metrics = QFontMetrics(bold)
        painter.drawText(
            text_rect.left(),
            text_rect.top() + metrics.ascent(),
            metrics.elidedText(row.schedule.name, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        painter.setFont(option.font)
        plain = QFontMetrics(option.font)
        who_colour = palette.color(text_role)
        if row.nobody and not selected:
            who_colour = warning_colour(palette)
        painter.setPen(who_colour)
        painter.drawText(
            text_rect.left(),
            text_rect.top() + line + plain.ascent() + 2,
            plain.elidedText(row.on_call, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        dim = palette.color(text_role)
        if not selected:
            dim = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(dim)
        painter.drawText(
            text_rect.left(),
            text_rect.top() + 2 * line + plain.ascent() + 4,
            plain.elidedText(row.details, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        painter.restore()

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> bool:
        on_star = isinstance(event, QMouseEvent) and event.position().x() - option.rect.left() <= STAR_WIDTH + 6
        if event.type() == QEvent.Type.MouseButtonRelease and on_star:
            row: ScheduleRow = index.data(ROW_ROLE)
            self.star_clicked.emit(row.schedule.id)
            return True
        return False


def warning_colour(palette: QPalette) -> QColor:
    """A warning red that stays readable on the palette's base colour, light or dark."""
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return QColor("#FF8A80") if dark else QColor("#B42318")


class ScheduleListPage(QWidget):
    open_timeline = Signal(str)
    star_toggled = Signal(str)
    person_requested = Signal(str, str)  # user ID, name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(placeholderText="Filter schedules or people…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter schedules")
        self.model = ScheduleListModel(self)
        self.proxy = ScheduleFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setAccessibleName("Schedules")
        self.view.setUniformItemSizes(True)
        self.view.setAlternatingRowColors(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.delegate = ScheduleDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.message = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter, textFormat=Qt.TextFormat.PlainText)
        self.message.setObjectName("listMessage")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.installEventFilter(self)
        self.view.installEventFilter(self)
        self.view.activated.connect(self._open)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.delegate.star_clicked.connect(self.star_toggled.emit)
        star = QShortcut(QKeySequence("Ctrl+S"), self)
        star.activated.connect(self._star_current)
        self.setFocusProxy(self.filter_edit)

    def set_rows(self, rows: list[ScheduleRow]) -> None:
        self.apply(row_update(self.model.rows, in_list_order(rows)))

    def apply(self, update: RowUpdate) -> None:
        """Most refreshes change nothing or a few rows, and keep the selection; a list that starts over selects
        the schedule that was selected, wherever it is now."""
        if update.base is self.model.rows and update.changed == []:
            return
        current = self.current_id()
        if self.model.apply(update):
            self._select(current)
        self._update_message()

    def set_message(self, text: str | None) -> None:
        """A loading, empty or error state shown above the list."""
        self._forced = text
        self._update_message()

    _forced: str | None = None

    def _update_message(self) -> None:
        text = self._forced
        if text is None and self.model.rowCount() and not self.proxy.rowCount():
            text = f"No schedule matches “{self.filter_edit.text().strip()}”."
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        row: ScheduleRow | None = index.data(ROW_ROLE) if index.isValid() else None
        return row.schedule.id if row else None

    def _select(self, schedule_id: str | None) -> None:
        """Looked up in the model's rows rather than through the view (a Python call per row)."""
        position = self.model.position_of(schedule_id) if schedule_id is not None else None
        index = self.proxy.mapFromSource(self.model.index(position, 0)) if position is not None else QModelIndex()
        if not index.isValid() and self.proxy.rowCount():
            index = self.proxy.index(0, 0)
        if index.isValid():
            self.view.setCurrentIndex(index)

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        if not self.view.currentIndex().isValid() and self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, 0))
        self._update_message()

    def _open(self, index: QModelIndex) -> None:
        row: ScheduleRow | None = index.data(ROW_ROLE)
        if row is not None:
            self.open_timeline.emit(row.schedule.id)

    def _context_menu(self, position: QPoint) -> None:
        """Right click on a schedule: contact whoever is on call for it, open its timeline, star it."""
        index = self.view.indexAt(position)
        row: ScheduleRow | None = index.data(ROW_ROLE) if index.isValid() else None
        if row is None:
            return
        menu = QMenu(self.view)
        for user_id, name in row.people:
            action = menu.addAction(f"Contact {name.replace('&', '&&')}…")
            action.triggered.connect(lambda _=False, u=user_id, n=name: self.person_requested.emit(u, n))
        if row.people:
            menu.addSeparator()
        menu.addAction("Timeline").triggered.connect(lambda: self.open_timeline.emit(row.schedule.id))
        menu.addAction("Unstar" if row.starred else "Star").triggered.connect(
            lambda: self.star_toggled.emit(row.schedule.id)
        )
        self._menu = menu
        menu.popup(self.view.viewport().mapToGlobal(position))

    def _star_current(self) -> None:
        current = self.current_id()
        if current:
            self.star_toggled.emit(current)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if watched is self.filter_edit:
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.view.setFocus()
                self.view.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.view.currentIndex().isValid():
                self._open(self.view.currentIndex())
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                return True
        if watched is self.view:
            if key == Qt.Key.Key_Space:
                self._star_current()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._open(self.view.currentIndex())
                return True
            if (
                event.text()
                and event.text().isprintable()
                and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                self.filter_edit.setFocus()
                self.filter_edit.insert(event.text())
                return True
        return False
