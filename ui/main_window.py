"""The main window: sidebar of pages, the current page, the database and the user in the status bar."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from functools import partial

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop import APP_NAME, __version__
from ui.connection import ConnectionInfo
from ui.context import STORED_AFTER_ALL, AppContext
from ui.models.formatters import count_text
from ui.overview import OverviewPage
from ui.widgets.palette import error_colour

# The signed-in pages in sidebar order; Ctrl+1… follow it. Users is for admins only.
PAGE_NAMES = ("Dashboard", "Status updates", "Incidents", "Blockers", "Decisions")
USERS_PAGE = "Users"
# The connection overview: always there, last, and the only page before sign-in.
DATABASE_PAGE = "Database"
# The page slots the window's actions call (slot name, action text, shortcut, status tip).
PAGE_ACTIONS = (
    ("new_record", "&New", "Ctrl+N", "Start a new record on this page"),
    ("save", "&Save", "Ctrl+S", "Save the record being edited"),
    ("cancel_edit", "&Cancel edit", "Escape", "Close the editor, asking before dropping changes"),
    ("focus_search", "&Find…", "Ctrl+F", "Search this page's list"),
    ("refresh", "&Refresh", "F5", "Load this page again from the database"),
)
# Where a dashboard link ("incidents", 12) opens.
ENTITY_PAGES = {
    "status_updates": "Status updates",
    "incidents": "Incidents",
    "blockers": "Blockers",
    "decisions": "Decisions",
}


# The widest the status bar's database description gets; the rest of the bar stays free for
# passing messages ("Saved incident #12.", "Connected again.").
CONNECTION_LABEL_MAX_WIDTH = 300


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle to fit (the tooltip has it all)."""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        """Show ``text``, shortened if needed; hovering shows all of it."""
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """Room for a few characters: the text shortens rather than pushes others away."""
        hint = super().minimumSizeHint()
        return QSize(
            min(hint.width(), self.fontMetrics().horizontalAdvance("x" * 12)), hint.height()
        )

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Draw the text elided in the middle to the label's width."""
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, rect.width()
        )
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown
        )


class MainWindow(QMainWindow):
    """The application window; it shows what the controller tells it and never queries."""

    closed = Signal()
    # The page shown changed (its sidebar name).
    page_changed = Signal(str)
    # A page was built on its first showing (its sidebar name, the page).
    page_built = Signal(str, QWidget)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAccessibleName(APP_NAME)
        self.setWindowTitle(f"{APP_NAME} — connecting…")
        self.resize(QSize(1180, 720))
        self.info: ConnectionInfo | None = None
        self.about_box: QMessageBox | None = None
        # The signed-in pages built so far by sidebar name, in sidebar order (empty when
        # signed out); a page is built when first shown (``mount_pages``).
        self.session_pages: dict[str, QWidget] = {}
        # Every signed-in page's sidebar name, built or not, in sidebar order.
        self._page_names: list[str] = []
        # How to build the pages not built yet.
        self._page_makers: dict[str, Callable[[], QWidget]] = {}
        self._counts: dict[QWidget, str] = {}
        self._watched_context: AppContext | None = None

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Pages")
        # Narrow: the pages with an editor and a history need the width more.
        self.sidebar.setFixedWidth(160)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._row_height = self.sidebar.fontMetrics().height() + 14

        self.overview = OverviewPage()
        self.pages = QStackedWidget()
        self.pages.setAccessibleName("Current page")
        self.pages.addWidget(self.overview)
        self._rebuild_sidebar()
        self.sidebar.currentRowChanged.connect(self._on_row_chosen)

        central = QWidget()
        # A banner over everything (an offline copy's), then the sidebar beside the page.
        self.central_layout = QVBoxLayout(central)
        self.central_layout.setContentsMargins(0, 0, 0, 0)
        self.central_layout.setSpacing(0)
        self.banner: QWidget | None = None
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.central_layout.addLayout(layout, 1)
        self.setCentralWidget(central)

        self.count_label = QLabel()
        self.count_label.setObjectName("pageCount")
        self.count_label.setAccessibleName("Rows on this page")
        # Room between the count and the user, which otherwise read as one sentence.
        self.count_label.setContentsMargins(0, 0, 12, 0)
        self.statusBar().addPermanentWidget(self.count_label)
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.user_label.setAccessibleName("Signed-in user")
        self.user_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.user_label)
        self.user_separator = QFrame()
        self.user_separator.setFrameShape(QFrame.Shape.VLine)
        self.user_separator.setFrameShadow(QFrame.Shadow.Sunken)
        self.user_separator.setVisible(False)
        self.statusBar().addPermanentWidget(self.user_separator)
        self.connection_label = ElidedLabel()
        self.connection_label.setMaximumWidth(CONNECTION_LABEL_MAX_WIDTH)
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setAccessibleName("Database connection")
        self.statusBar().addPermanentWidget(self.connection_label)
        self.online_label = QLabel()
        self.online_label.setObjectName("onlineLabel")
        self.online_label.setAccessibleName("Connection state")
        self.online_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.online_label)
        self.session_label: str | None = None

        self._build_menus()
        self._update_actions()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.connect_action = QAction("&Connect…", self)
        self.connect_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.connect_action.setStatusTip("Open another database or manage connection profiles")
        file_menu.addAction(self.connect_action)
        self.profile_action = QAction("My &profile…", self)
        self.profile_action.setStatusTip("Change your name or password")
        self.profile_action.setEnabled(False)
        file_menu.addAction(self.profile_action)
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.setStatusTip("Sign out and forget the saved sign-in on this computer")
        self.sign_out_action.setEnabled(False)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        decisions_menu = file_menu.addMenu("&Decisions")
        self.export_csv_action = QAction("Export list as &CSV…", self)
        self.export_csv_action.setStatusTip("Save the decisions listed now as a CSV file")
        self.export_madr_action = QAction("Export as &Markdown (MADR)…", self)
        self.export_madr_action.setStatusTip(
            "Save the decisions listed now as MADR files in a new folder"
        )
        self.import_madr_action = QAction("&Import Markdown folder…", self)
        self.import_madr_action.setStatusTip("Import decisions from a folder of MADR files")
        self.decision_actions = (
            self.export_csv_action,
            self.export_madr_action,
            self.import_madr_action,
        )
        for action in self.decision_actions:
            action.setEnabled(False)
            decisions_menu.addAction(action)
        self.take_offline_action = QAction("Take decisions &offline…", self)
        self.take_offline_action.setStatusTip(
            "Copy decisions from this server to a file, to review and edit without a network"
        )
        self.take_offline_action.setEnabled(False)
        file_menu.addAction(self.take_offline_action)
        file_menu.addSeparator()

        # Page actions live on the window (not the pages) so their shortcuts work wherever
        # the focus is; each is enabled only when the current page has the slot.
        self.page_actions: dict[str, QAction] = {}
        for slot, text, shortcut, tip in PAGE_ACTIONS:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tip)
            action.setObjectName(f"{slot}Action")
            action.triggered.connect(partial(self._call_page, slot))
            self.page_actions[slot] = action
        # Escape must stay with dialogs and popups: only the window's own widgets see it.
        self.page_actions["cancel_edit"].setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        file_menu.addAction(self.page_actions["new_record"])
        file_menu.addAction(self.page_actions["save"])
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        # Ctrl+Q on every platform: QKeySequence.Quit is empty on Windows.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.page_actions["cancel_edit"])
        edit_menu.addAction(self.page_actions["focus_search"])

        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addAction(self.page_actions["refresh"])
        self.view_menu.addSeparator()

        go_menu = self.menuBar().addMenu("&Go")
        self.go_actions: list[QAction] = []
        for number, name in enumerate((*PAGE_NAMES, USERS_PAGE), start=1):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setStatusTip(f"Show the {name.lower()} page")
            action.triggered.connect(partial(self.show_page, name))
            go_menu.addAction(action)
            self.go_actions.append(action)
        go_menu.addSeparator()
        self.database_action = QAction("&Database overview", self)
        self.database_action.setStatusTip("Which database is open, its schema and row counts")
        self.database_action.triggered.connect(partial(self.show_page, DATABASE_PAGE))
        go_menu.addAction(self.database_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.connection_details_action = QAction("&Connection details", self)
        self.connection_details_action.triggered.connect(partial(self.show_page, DATABASE_PAGE))
        help_menu.addAction(self.connection_details_action)
        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def show_connecting(self, location: str) -> None:
        """Show that the database is being opened."""
        self.setWindowTitle(f"{APP_NAME} — connecting…")
        self.connection_label.setText(f"Connecting to {location}…")
        self.overview.show_connecting(location)

    def show_connected(self, info: ConnectionInfo) -> None:
        """Show which database is open and at which schema revision."""
        self.info = info
        if self.session_label is None:
            self.setWindowTitle(f"{APP_NAME} — {info.location}")
        self.connection_label.setText(
            f"{info.dialect}: {info.location} · schema {info.revision or 'none'}"
        )
        self.overview.show_info(info)
        if info.created:
            self.statusBar().showMessage(f"Created a new database at {info.location}", 10_000)

    def show_signed_in(self, full_name: str, role: str, profile_label: str) -> None:
        """Show who is signed in to which profile, in the title and the status bar."""
        self.session_label = f"{profile_label} — {full_name}"
        self.setWindowTitle(f"{APP_NAME} — {self.session_label}")
        self.user_label.setText(f"Signed in as {full_name} ({role}) to {profile_label}")
        self.user_label.setVisible(True)
        self.user_separator.setVisible(True)
        self.profile_action.setEnabled(True)
        self.sign_out_action.setEnabled(True)
        for action in self.decision_actions:
            action.setEnabled(True)

    def show_signed_out(self) -> None:
        """Forget who was signed in and remove the pages only they could see."""
        self.session_label = None
        self.user_label.clear()
        self.user_label.setVisible(False)
        self.user_separator.setVisible(False)
        self.profile_action.setEnabled(False)
        self.sign_out_action.setEnabled(False)
        for action in (*self.decision_actions, self.take_offline_action):
            action.setEnabled(False)
        self.online_label.setVisible(False)
        self.unmount_pages()
        if self.info is not None:
            self.setWindowTitle(f"{APP_NAME} — {self.info.location}")

    def set_banner(self, banner: QWidget | None) -> None:
        """Show a banner above the sidebar and the pages (None: remove and delete it)."""
        old, self.banner = self.banner, banner
        if old is not None:
            self.central_layout.removeWidget(old)
            old.deleteLater()
        if banner is not None:
            self.central_layout.insertWidget(0, banner)

    def show_online(self, online: bool) -> None:
        """The connection indicator: "Connected", or "Offline — retrying" while lost."""
        self.online_label.setVisible(True)
        self.online_label.setText("Connected" if online else "Offline — retrying")
        self.online_label.setProperty("offline", not online)
        # Bold through the font, not the style sheet: the label's size follows a font change,
        # so the status bar keeps room for the whole (wider) offline text.
        font = QFont(self.online_label.font())
        font.setBold(not online)
        self.online_label.setFont(font)
        self.online_label.setStyleSheet(
            "" if online else f"color: {error_colour(self.online_label).name()};"
        )

    # -- pages ------------------------------------------------------------------------------
    @property
    def users_page(self) -> QWidget | None:
        """The admins' Users page (built on first use), when the session has one."""
        return self.page(USERS_PAGE)

    def current_page(self) -> QWidget:
        """The page on screen (the database overview when signed out)."""
        return self.pages.currentWidget() or self.overview

    def current_page_name(self) -> str:
        """The sidebar name of the page on screen."""
        widget = self.current_page()
        for name, page in self.session_pages.items():
            if page is widget:
                return name
        return DATABASE_PAGE

    def mount_pages(
        self, pages: Mapping[str, QWidget | Callable[[], QWidget]], current: str | None = None
    ) -> None:
        """Show the signed-in pages (sidebar order as given) and open ``current`` or the first.

        A page may be given as a function that builds it: it is built when first shown
        (``page_built`` follows), so signing in builds and loads only the page it opens on.
        """
        self.unmount_pages()
        self._page_names = list(pages)
        for name, page in pages.items():
            if isinstance(page, QWidget):
                self.session_pages[name] = page
                self.pages.addWidget(page)
                self._connect_page(page)
            else:
                self._page_makers[name] = page
        self._rebuild_sidebar()
        first = next(iter(pages), DATABASE_PAGE)
        self._go_to(current if current is not None and current in pages else first)

    def page(self, name: str) -> QWidget | None:
        """The signed-in page with this sidebar name, built now if it was not yet."""
        maker = self._page_makers.pop(name, None)
        if maker is not None:
            page = maker()
            self.pages.addWidget(page)
            built = {**self.session_pages, name: page}
            self.session_pages = {n: built[n] for n in self._page_names if n in built}
            self._connect_page(page)
            self.page_built.emit(name, page)
        return self.session_pages.get(name)

    def unmount_pages(self) -> None:
        """Remove and delete the signed-in pages (sign-out, another database, closing)."""
        self._page_makers.clear()
        if not self.session_pages:
            self._page_names = []
            return
        self._page_names = []
        pages, self.session_pages = self.session_pages, {}
        self._counts.clear()
        self._go_to(DATABASE_PAGE)
        for page in pages.values():
            self.pages.removeWidget(page)
            # At once, not later: an answer already on its way must find the page's model gone
            # (it checks) rather than start another query on a worker that is stopping.
            shiboken6.delete(page)
        self._rebuild_sidebar()

    def confirm_leave(self, proceed: Callable[[], None] | None = None) -> bool:
        """Ask the current page whether it may be left (False: it asks, then runs ``proceed``)."""
        page = self.current_page()
        confirm = getattr(page, "confirm_leave", None)
        return True if confirm is None else bool(confirm(proceed))

    def show_page(self, name: str) -> None:
        """Switch to the page with this sidebar name, asking first if edits are unsaved."""
        if name != DATABASE_PAGE and name not in self._page_names:
            return
        if name == self.current_page_name():
            return
        if self.confirm_leave(partial(self._go_to, name)):
            self._go_to(name)

    def open_record(self, name: str, record_id: int) -> None:
        """Show a page and one record on it (dashboard links, an incident's blockers)."""
        page = self.page(name)
        if page is None:
            return

        def go() -> None:
            self._go_to(name)
            opener = getattr(page, "open_record", None)
            if opener is not None:
                opener(record_id)

        if name == self.current_page_name() or self.confirm_leave(go):
            go()

    def _sidebar_names(self) -> list[str]:
        return [*self._page_names, DATABASE_PAGE]

    def _rebuild_sidebar(self) -> None:
        self.sidebar.blockSignals(True)
        try:
            self.sidebar.clear()
            for name in self._sidebar_names():
                item = QListWidgetItem(name)
                item.setSizeHint(QSize(0, self._row_height))
                if name == USERS_PAGE:
                    item.setToolTip("Accounts and roles (admins only)")
                elif name == DATABASE_PAGE:
                    item.setToolTip("Which database is open, its schema and row counts")
                self.sidebar.addItem(item)
            self.sidebar.setCurrentRow(self._sidebar_names().index(self.current_page_name()))
        finally:
            self.sidebar.blockSignals(False)

    def _go_to(self, name: str) -> None:
        widget = self.page(name) or self.overview
        self.pages.setCurrentWidget(widget)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(self._sidebar_names().index(self.current_page_name()))
        self.sidebar.blockSignals(False)
        self.count_label.setText(self._counts.get(widget, ""))
        self._update_actions()
        self.page_changed.emit(self.current_page_name())

    def _on_row_chosen(self, row: int) -> None:
        names = self._sidebar_names()
        if not 0 <= row < len(names):
            return
        wanted = names[row]
        # Stay on the row of the page shown until it agrees to be left.
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(names.index(self.current_page_name()))
        self.sidebar.blockSignals(False)
        self.show_page(wanted)

    def _connect_page(self, page: QWidget) -> None:
        context = getattr(page, "context", None)
        if isinstance(context, AppContext) and context is not self._watched_context:
            # Every page of a session shares one context: hear it once.
            self._watched_context = context
            context.stored_without_reply.connect(self._on_stored_without_reply)
        row_count = getattr(page, "row_count_changed", None)
        if row_count is not None:
            row_count.connect(partial(self._on_row_count, page))
        status = getattr(page, "status_message", None)
        if status is not None:
            status.connect(self.show_status_message)
        open_record = getattr(page, "open_record_requested", None)
        if open_record is not None:
            open_record.connect(self._on_open_record_requested)
        open_blocker = getattr(page, "open_blocker_requested", None)
        if open_blocker is not None:
            open_blocker.connect(partial(self.open_record, "Blockers"))

    def _on_row_count(self, page: QWidget, total: int) -> None:
        singular = str(getattr(page, "singular", "row"))
        plural = str(getattr(page, "plural", f"{singular}s"))
        self._counts[page] = count_text(total, singular, plural)
        if page is self.current_page():
            self.count_label.setText(self._counts[page])

    def _on_open_record_requested(self, entity: str, record_id: int) -> None:
        name = ENTITY_PAGES.get(entity)
        if name is not None:
            self.open_record(name, record_id)

    def _on_stored_without_reply(self, stored: object) -> None:
        """A save lost with the connection was stored after all: show the stored record."""
        for table, record_id in getattr(stored, "rows", ()):
            name = ENTITY_PAGES.get(table)
            page = self.page(name) if name is not None else None
            if name is None or page is None:
                continue
            editor = getattr(page, "editor", None)
            shown = getattr(editor, "record", None)
            if editor is not None and (shown is None or getattr(shown, "id", None) == record_id):
                # The form holds what was stored: it is no unsaved edit to save once more.
                editor.load(None)
            context = getattr(page, "context", None)
            if isinstance(context, AppContext):
                context.data_changed.emit(table)
            self.open_record(name, record_id)
            singular = str(getattr(page, "singular", "record"))
            # Short: the status bar shares its width with the session's labels.
            self.show_status_message(f"Saved {singular} #{record_id} (checked after reconnecting).")
            return
        self.show_status_message(STORED_AFTER_ALL)

    def refresh_current_page(self) -> None:
        """Load the page on screen again (the database answers again)."""
        self._call_page("refresh")

    def show_status_message(self, text: str) -> None:
        """A short note in the status bar."""
        self.statusBar().showMessage(text, 8000)

    def _call_page(self, slot: str) -> None:
        method = getattr(self.current_page(), slot, None)
        if callable(method):
            method()

    def _update_actions(self) -> None:
        page = self.current_page()
        for slot, action in self.page_actions.items():
            action.setEnabled(callable(getattr(page, slot, None)))
        for action in self.go_actions:
            action.setEnabled(action.text() in self._page_names)

    def show_failed(self, message: str) -> None:
        """Show that no database is open."""
        self.info = None
        self.setWindowTitle(f"{APP_NAME} — not connected")
        self.connection_label.setText("Not connected")
        self.overview.show_error(message)

    def show_about(self) -> None:
        """Open the About box (non-blocking)."""
        database = (
            f"{self.info.dialect} at {self.info.location}, schema {self.info.revision}"
            if self.info
            else "not connected"
        )
        self.about_box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Status updates, incidents, blockers and decisions for a small team, "
            "on an embedded SQLite file or a shared PostgreSQL server.</p>",
            QMessageBox.StandardButton.Close,
            self,
        )
        self.about_box.setObjectName("aboutBox")
        self.about_box.setIconPixmap(QApplication.windowIcon().pixmap(64, 64))
        self.about_box.setInformativeText(f"Database: {html.escape(database)}")
        self.about_box.setTextFormat(Qt.TextFormat.RichText)
        self.about_box.open()

    def _close_again(self) -> None:
        # After save or discard: close for real (``close`` returns a bool the guard ignores).
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Ask the page about unsaved edits, then tell the controller, which ends the app."""
        if not self.confirm_leave(self._close_again):
            event.ignore()
            return
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()
