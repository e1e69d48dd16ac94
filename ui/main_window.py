"""The main window: sidebar of pages, the current page, the database and the user in the status bar."""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
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
    QWidget,
)

from asyncops_desktop import APP_NAME, __version__
from ui.connection import ConnectionInfo
from ui.overview import OverviewPage

# Pages still to be built: listed so the layout is settled, but disabled and marked so.
PLANNED_PAGES = ("Dashboard", "Status updates", "Incidents", "Blockers", "Decisions")
# Shown to admins only, after the planned pages.
USERS_PAGE = "Users"


class MainWindow(QMainWindow):
    """The application window; it shows what the controller tells it and never queries."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAccessibleName(APP_NAME)
        self.setWindowTitle(f"{APP_NAME} — connecting…")
        self.resize(QSize(920, 600))
        self.info: ConnectionInfo | None = None
        self.about_box: QMessageBox | None = None
        self._users_item: QListWidgetItem | None = None
        self._users_page: QWidget | None = None

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Pages")
        self.sidebar.setFixedWidth(190)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        row_height = self.sidebar.fontMetrics().height() + 14
        overview_item = QListWidgetItem("Overview")
        overview_item.setSizeHint(QSize(0, row_height))
        self.sidebar.addItem(overview_item)
        for name in PLANNED_PAGES:
            item = QListWidgetItem(f"{name} (planned)")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setToolTip(f"The {name.lower()} page is not built yet.")
            item.setSizeHint(QSize(0, row_height))
            self.sidebar.addItem(item)
        self.sidebar.setCurrentItem(overview_item)
        self._row_height = row_height

        self.overview = OverviewPage()
        self.pages = QStackedWidget()
        self.pages.setAccessibleName("Current page")
        self.pages.addWidget(self.overview)
        self.sidebar.currentRowChanged.connect(self._on_page_chosen)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

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
        self.connection_label = QLabel()
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setAccessibleName("Database connection")
        self.statusBar().addPermanentWidget(self.connection_label)
        self.session_label: str | None = None

        self._build_menus()

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
        self.quit_action = QAction("&Quit", self)
        # Ctrl+Q on every platform: QKeySequence.Quit is empty on Windows.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        help_menu = self.menuBar().addMenu("&Help")
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

    def show_signed_out(self) -> None:
        """Forget who was signed in and remove the pages only they could see."""
        self.session_label = None
        self.user_label.clear()
        self.user_label.setVisible(False)
        self.user_separator.setVisible(False)
        self.profile_action.setEnabled(False)
        self.sign_out_action.setEnabled(False)
        self.set_users_page(None)
        if self.info is not None:
            self.setWindowTitle(f"{APP_NAME} — {self.info.location}")

    @property
    def users_page(self) -> QWidget | None:
        """The admins' Users page, when it is shown."""
        return self._users_page

    def set_users_page(self, page: QWidget | None) -> None:
        """Add the Users page to the sidebar (admins), or take it away (None)."""
        if self._users_item is not None and self._users_page is not None:
            if self.sidebar.currentRow() == self.sidebar.row(self._users_item):
                self.sidebar.setCurrentRow(0)
            self.sidebar.takeItem(self.sidebar.row(self._users_item))
            self.pages.removeWidget(self._users_page)
            # At once, not later: an answer already on its way must find the page's model gone
            # (it checks) rather than start another query on a worker that is stopping.
            shiboken6.delete(self._users_page)
            self._users_item = self._users_page = None
        if page is None:
            return
        item = QListWidgetItem(USERS_PAGE)
        item.setSizeHint(QSize(0, self._row_height))
        item.setToolTip("Accounts and roles (admins only)")
        self.sidebar.addItem(item)
        self.pages.addWidget(page)
        self._users_item, self._users_page = item, page

    def show_page(self, name: str) -> None:
        """Switch to the page with this sidebar name."""
        found = self.sidebar.findItems(name, Qt.MatchFlag.MatchExactly)
        if found and found[0].flags() & Qt.ItemFlag.ItemIsEnabled:
            self.sidebar.setCurrentItem(found[0])

    def _on_page_chosen(self, row: int) -> None:
        users = self._users_item
        if users is not None and self._users_page is not None and self.sidebar.row(users) == row:
            self.pages.setCurrentWidget(self._users_page)
        elif row == 0:
            self.pages.setCurrentWidget(self.overview)

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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Tell the controller, which closes the database and ends the app."""
        super().closeEvent(event)
        if event.isAccepted():
            self.closed.emit()
