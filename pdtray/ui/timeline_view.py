"""One schedule's timeline: who is on call now and for how long, every handoff, and the gaps."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pdtray.oncall import Timeline, TimelineEntry, User
from pdtray.oncall.display_text import inert
from pdtray.oncall.human_time import clock, day_label, format_at, format_duration, format_relative, format_until
from pdtray.oncall.timeline import lane_layout
from pdtray.ui.schedule_list import warning_colour

#: eight hues far enough apart to tell two people in neighbouring lanes apart
PERSON_COLOURS = ["#3B82F6", "#10B981", "#8B5CF6", "#F59E0B", "#EC4899", "#B45309", "#0891B2", "#84CC16"]


def person_colour(user_id: str) -> QColor:
    """The same person gets the same colour in every timeline."""
    digest = hashlib.sha256(user_id.encode()).digest()
    return QColor(PERSON_COLOURS[digest[0] % len(PERSON_COLOURS)])


def timeline_colours(timeline: Timeline) -> dict[str, QColor]:
    """Each person's colour in this timeline: their own (person_colour) unless someone earlier in it already has
    that one, then the next free one, so that people on call at once are never drawn alike."""
    taken: dict[str, str] = {}
    for entry in timeline.entries:
        for person in entry.people:
            if person.id in taken:
                continue
            used = set(taken.values())
            preferred = PERSON_COLOURS.index(person_colour(person.id).name().upper())
            for step in range(len(PERSON_COLOURS)):
                colour = PERSON_COLOURS[(preferred + step) % len(PERSON_COLOURS)]
                if colour not in used or step == len(PERSON_COLOURS) - 1:
                    taken[person.id] = colour
                    break
    return {user_id: QColor(colour) for user_id, colour in taken.items()}


def entry_span_text(entry: TimelineEntry, now: datetime, tz: tzinfo | None) -> str:
    def stamp(t: datetime) -> str:
        day = day_label(t, now, tz)
        return clock(t, tz) if day == "today" else f"{day} {clock(t, tz)}"

    same_day = day_label(entry.start, now, tz) == day_label(entry.end, now, tz)
    return f"{stamp(entry.start)} – {clock(entry.end, tz) if same_day else stamp(entry.end)}"


def zone_note(schedule_zone: str, now: datetime, tz: tzinfo | None) -> str | None:
    """Says the schedule's zone when its clock differs from the one the times are shown in."""
    try:
        zone = ZoneInfo(schedule_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    shown = now.astimezone(tz) if tz else now.astimezone()
    there = now.astimezone(zone)
    if shown.utcoffset() == there.utcoffset():
        return None
    shown_in = "your local time" if tz is None else str(tz)
    return f"Times in {shown_in}; the schedule runs on {schedule_zone} ({clock(now, zone)} there now)."


class TimelineBar(QWidget):
    """The window drawn left to right: a block per person, hatched gaps, a line at now, and hour or day ticks."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline: Timeline | None = None
        self.now: datetime | None = None
        self.tz: tzinfo | None = None
        self._layout: list[list[tuple[int, User]]] = []
        self.colours: dict[str, QColor] = {}
        self.setMinimumHeight(58)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    @property
    def bar_height(self) -> int:
        """26 px for one person at a time; with people on call at once, a lane of 16 px each."""
        lanes = self.timeline.lanes if self.timeline is not None else 1
        return 26 if lanes <= 1 else 16 * lanes

    def sizeHint(self) -> QSize:
        return QSize(360, self.bar_height + 32)

    def set_timeline(self, timeline: Timeline | None, now: datetime, tz: tzinfo | None) -> None:
        if timeline is not self.timeline:
            self._layout = lane_layout(timeline) if timeline is not None else []
            self.colours = timeline_colours(timeline) if timeline is not None else {}
        self.timeline, self.now, self.tz = timeline, now, tz
        self.setFixedHeight(self.bar_height + 32)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        timeline = self.timeline
        if timeline is None or self.now is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        span = (timeline.until - timeline.since).total_seconds()
        bar = QRectF(4, 6, self.width() - 8, self.bar_height)
        lanes = timeline.lanes
        lane_height = bar.height() / lanes

        def x(t: datetime) -> float:
            return bar.left() + bar.width() * (t - timeline.since).total_seconds() / span

        metrics = QFontMetrics(painter.font())
        for entry, placed in zip(timeline.entries, self._layout, strict=False):
            # at least a few pixels, so a short current stretch is still seen
            left, width = x(entry.start), max(3.0, x(entry.end) - x(entry.start))
            if entry.user is None:
                rect = QRectF(left, bar.top(), width, bar.height())
                colour = warning_colour(palette)
                painter.fillRect(rect, QBrush(colour, Qt.BrushStyle.BDiagPattern))
                painter.setPen(QPen(colour, 1))
                painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
                continue
            # people on call at once are stacked, each in their own lane
            for lane, person in placed:
                rect = QRectF(left, bar.top() + lane * lane_height, width, lane_height)
                colour = self.colours.get(person.id) or person_colour(person.id)
                painter.fillRect(rect, colour if entry.current else colour.lighter(125))
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Base), 1))
                painter.drawLine(rect.topLeft(), rect.bottomLeft())
                if lane:
                    painter.drawLine(rect.topLeft(), rect.topRight())
                label = person.name.split()[0] if person.name.split() else person.name
                if metrics.horizontalAdvance(label) + 8 < rect.width() and metrics.height() <= rect.height() + 2:
                    painter.setPen(QColor("white"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        now_x = x(min(max(self.now, timeline.since), timeline.until))
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 2))
        painter.drawLine(QPointF(now_x, bar.top() - 4), QPointF(now_x, bar.bottom() + 4))
        self._ticks(painter, bar, x, span)
        painter.end()

    def _tick_font(self) -> QFont:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        return small

    def tick_labels(self) -> list[tuple[float, QRectF, str]]:
        """Each tick's position and its label's box: centred under the tick, but moved inwards at the edges so
        that the first and last labels are never cut (".8:00" for "18:00")."""
        timeline = self.timeline
        if timeline is None or self.now is None:
            return []
        span = (timeline.until - timeline.since).total_seconds()
        bar = QRectF(4, 6, self.width() - 8, self.bar_height)
        metrics = QFontMetrics(self._tick_font())
        step = timedelta(hours=6) if span <= 2 * 86400 else timedelta(days=1)
        local = timeline.since.astimezone(self.tz) if self.tz else timeline.since.astimezone()
        if step == timedelta(days=1):
            tick = local.replace(hour=0, minute=0, second=0, microsecond=0) + step
        else:
            tick = local.replace(minute=0, second=0, microsecond=0)
            tick += timedelta(hours=(6 - tick.hour % 6) % 6 or 6)
        labels = []
        while tick < timeline.until:
            px = bar.left() + bar.width() * (tick - timeline.since).total_seconds() / span
            text = day_label(tick, self.now, self.tz) if step == timedelta(days=1) else clock(tick, self.tz)
            width = metrics.horizontalAdvance(text) + 4
            left = min(max(px - width / 2, 0.0), self.width() - width)
            labels.append((px, QRectF(left, bar.bottom() + 5, width, metrics.height()), text))
            tick = (tick + step).astimezone(tick.tzinfo)
        return labels

    def _ticks(self, painter: QPainter, bar: QRectF, x: object, span: float) -> None:
        painter.setFont(self._tick_font())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        for px, rect, text in self.tick_labels():
            painter.drawLine(QPointF(px, bar.bottom()), QPointF(px, bar.bottom() + 4))
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter, text)


class TimelinePage(QWidget):
    back_requested = Signal()
    reload_requested = Signal(str, int)  # schedule ID, hours
    open_url_requested = Signal(str)
    take_requested = Signal(str, object)  # schedule ID, a moment (datetime) inside the stretch to take
    add_requested = Signal(str, object)  # the same, to add myself beside whoever is on call (shift-based)
    person_requested = Signal(str, str)  # user ID, name: a stretch activated (double click, Enter)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schedule_id: str | None = None
        self.hours = 24
        self.html_url: str | None = None
        self.timeline: Timeline | None = None
        self.back = QToolButton(text="‹ Schedules")
        self.back.setAutoRaise(True)
        self.back.setAccessibleName("Back to the schedule list")
        self.title = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.title.setObjectName("timelineTitle")
        title_font = self.title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)
        self.reload = QToolButton(text="⟳")
        self.reload.setToolTip("Refresh this timeline")
        self.reload.setAccessibleName("Refresh this timeline")
        self.day = QToolButton(text="24 h", checkable=True, checked=True)
        self.week = QToolButton(text="7 days", checkable=True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for button in (self.day, self.week):
            group.addButton(button)
        self.current = QLabel(wordWrap=True)
        self.current.setObjectName("currentOnCall")
        self.current.setTextFormat(Qt.TextFormat.RichText)
        self.bar = TimelineBar()
        self.entries = QTreeWidget()
        self.entries.setAccessibleName("Handoffs")
        self.entries.setAlternatingRowColors(True)
        self.entries.setRootIsDecorated(False)
        self.entries.setUniformRowHeights(True)
        self.entries.setHeaderLabels(["When", "Who", "For"])
        self.entries.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.entries.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.countdown = QLabel()
        self.note = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.note.setObjectName("zoneNote")
        self.action_message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.action_message.setObjectName("actionMessage")
        self.action_message.hide()
        self.open_web = QPushButton("Open in PagerDuty")
        self.subscribe = QPushButton("Subscribe…")
        self.subscribe.setToolTip("Open the schedule's calendar feed in your calendar app")
        self.subscribe.setEnabled(False)
        self.calendar_url: str | None = None
        self.take = QPushButton("Take this shift…")
        self.take.setToolTip("Put yourself on call for the selected stretch (from now on), as an override")
        self.take.setEnabled(False)
        self.add_me = QPushButton("Add me as an extra responder…")
        self.add_me.setToolTip("Be on call beside whoever is on call then (a custom shift), replacing nobody")
        self.add_me.hide()
        self.coverage = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.coverage.setObjectName("coverage")
        self.coverage.hide()
        header = QHBoxLayout()
        header.addWidget(self.back)
        header.addWidget(self.title, 1)
        header.addWidget(self.day)
        header.addWidget(self.week)
        header.addWidget(self.reload)
        # changes on one row, links on the next: side by side they would widen the popup past a small screen
        changes = QHBoxLayout()
        changes.addWidget(self.take)
        changes.addWidget(self.add_me)
        changes.addStretch(1)
        links = QHBoxLayout()
        links.addStretch(1)
        links.addWidget(self.subscribe)
        links.addWidget(self.open_web)
        footer = QVBoxLayout()
        footer.addLayout(changes)
        footer.addLayout(links)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.current)
        layout.addWidget(self.bar)
        layout.addWidget(self.entries, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.action_message)
        layout.addWidget(self.countdown)
        layout.addWidget(self.coverage)
        layout.addLayout(footer)
        self.back.clicked.connect(self.back_requested.emit)
        self.reload.clicked.connect(self._reload)
        self.day.clicked.connect(lambda: self._set_hours(24))
        self.week.clicked.connect(lambda: self._set_hours(24 * 7))
        self.open_web.clicked.connect(lambda: self.html_url and self.open_url_requested.emit(self.html_url))
        self.take.clicked.connect(lambda: self._take(self.take_requested))
        self.add_me.clicked.connect(lambda: self._take(self.add_requested))
        self.subscribe.clicked.connect(lambda: self.calendar_url and self.open_url_requested.emit(self.calendar_url))
        self.entries.currentItemChanged.connect(lambda *_: self._update_take())
        self.entries.itemActivated.connect(lambda *_: self._contact())
        self.setFocusProxy(self.entries)

    def selected_entry(self) -> TimelineEntry | None:
        """The handoff row chosen in the list, else the one running now."""
        if self.timeline is None:
            return None
        row = self.entries.indexOfTopLevelItem(self.entries.currentItem()) if self.entries.currentItem() else -1
        if 0 <= row < len(self.timeline.entries):
            return self.timeline.entries[row]
        return self.timeline.current

    def _contact(self) -> None:
        """How to reach the person of the selected stretch (the first of them, on a shift-based schedule)."""
        entry = self.selected_entry()
        if entry is not None and entry.user is not None:
            self.person_requested.emit(entry.user.id, entry.user.display_name)

    def _update_take(self) -> None:
        entry = self.selected_entry()
        self.take.setEnabled(entry is not None)
        shift_based = self.timeline is not None and self.timeline.schedule.shift_based
        self.add_me.setVisible(shift_based and entry is not None and not entry.is_gap)
        if entry is not None:
            self.take.setText("Cover this gap…" if entry.is_gap else "Take this shift…")

    def _take(self, signal: Signal) -> None:
        entry = self.selected_entry()
        if entry is not None and self.schedule_id:
            # a moment inside the entry that is not in the past: the change starts no earlier than now
            moment = max(entry.start, datetime.now(entry.start.tzinfo))
            signal.emit(self.schedule_id, min(moment, entry.end - timedelta(seconds=1)))  # type: ignore[attr-defined]

    def _set_hours(self, hours: int) -> None:
        if hours != self.hours:
            self.hours = hours
            self._reload()

    def _reload(self) -> None:
        if self.schedule_id:
            self.reload_requested.emit(self.schedule_id, self.hours)

    def show_loading(self, schedule_id: str, name: str, html_url: str | None) -> None:
        same = schedule_id == self.schedule_id
        self.schedule_id, self.html_url = schedule_id, html_url
        self.title.setText(name)
        self.open_web.setEnabled(bool(html_url))
        if not same:
            self.show_action_message(None)
            self.timeline = None
            self.entries.clear()
            self.bar.set_timeline(None, datetime.now().astimezone(), None)
            self.note.clear()
            self.countdown.clear()
        self.current.setText("Loading the timeline…")

    def show_action_message(self, text: str | None) -> None:
        """What became of "Take this shift": done, or why not."""
        self.action_message.setText(text or "")
        self.action_message.setVisible(bool(text))

    def show_error(self, message: str) -> None:
        self.current.setText(f"<b>Could not load the timeline.</b><br>{_escape(message)}")

    def show_timeline(self, timeline: Timeline, now: datetime, tz: tzinfo | None) -> None:
        if timeline.schedule.id != self.schedule_id:
            return  # an answer for a schedule the user has left
        self.timeline = timeline
        self.title.setText(timeline.schedule.name)
        self.html_url = timeline.schedule.html_url or self.html_url
        self.open_web.setEnabled(bool(self.html_url))
        self.calendar_url = timeline.schedule.calendar_url
        self.subscribe.setEnabled(bool(self.calendar_url))
        self.entries.clear()
        palette = self.palette()
        colours = timeline_colours(timeline)
        for entry in timeline.entries:
            who = "Nobody on call" if entry.user is None else people_text(entry.people)
            when = ("● " if entry.current else "") + entry_span_text(entry, now, tz)
            item = QTreeWidgetItem([when, who, format_duration(entry.end - entry.start)])
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(1, inert(who))  # the whole of it, when several names do not fit
            if entry.current:
                item.setToolTip(0, "On call now")
            if entry.user is None:
                for column in range(3):
                    item.setForeground(column, warning_colour(palette))
            else:
                item.setIcon(1, _swatch(colours.get(entry.user.id) or person_colour(entry.user.id)))
            if entry.current:
                font = item.font(0)
                font.setBold(True)
                for column in range(3):
                    item.setFont(column, font)
            self.entries.addTopLevelItem(item)
        self._update_take()
        self.note.setText(zone_note(timeline.schedule.time_zone, now, tz) or "")
        self.note.setVisible(bool(self.note.text()))
        self.coverage.setText(coverage_text(timeline))
        self.coverage.setVisible(bool(self.coverage.text()))
        self.tick(now, tz)

    def tick(self, now: datetime, tz: tzinfo | None) -> None:
        """Re-renders what depends on the clock: the current on-call, time left and the countdown."""
        timeline = self.timeline
        if timeline is None:
            return
        self.bar.set_timeline(timeline, now, tz)
        current = next((e for e in timeline.entries if e.start <= now < e.end), None)
        handoff = timeline.next_handoff(now)
        if current is None:
            self.current.setText("This timeline has ended; refresh to see what comes next.")
        elif current.user is None:
            nxt = next((e for e in timeline.entries if e.start >= current.end and e.user), None)
            then = (
                f" Next: <b>{_escape(nxt.user.display_name)}</b> {format_at(nxt.start, now, tz)}."
                if nxt and nxt.user
                else ""
            )
            self.current.setText(f"<b>Nobody is on call</b> {format_until(current.end, now, tz)}.{then}")
        else:
            left = format_duration(current.end - now)
            end = format_until(current.end if current.end < timeline.until else None, now, tz)
            ends = f"{end} ({left} left)" if current.end < timeline.until else f"for at least {left}"
            self.current.setText(f"On call now: <b>{_escape(people_text(current.people))}</b>, {ends}")
        if handoff is not None:
            self.countdown.setText(f"Next handoff {format_relative(handoff, now)} ({format_at(handoff, now, tz)})")
        else:
            self.countdown.setText("No handoff in this window")


def people_text(people: tuple[User, ...]) -> str:
    """ "Alice Nguyen", or "Alice Nguyen + Carmen Díaz" when several are on call at once."""
    return " + ".join(person.display_name for person in people)


def coverage_text(timeline: Timeline) -> str:
    """ "92 % covered in the next 24 h" (shift-based schedules, whose gaps are the point of the number)."""
    if not timeline.schedule.shift_based:
        return ""
    share = timeline.coverage if timeline.coverage is not None else 100 * timeline.covered_fraction()
    hours = round((timeline.until - timeline.since).total_seconds() / 3600)
    span = f"{hours} h" if hours < 48 else f"{round(hours / 24)} days"
    return f"{share:.0f} % covered in the next {span}"


def _swatch(colour: QColor) -> object:
    from PySide6.QtGui import QIcon, QPixmap

    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
