"""The overview page: which database the window works on, its schema and what it holds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.migrate import SchemaStatus
from ui.connection import COUNTED, ConnectionInfo

STATUS_TEXT = {
    SchemaStatus.CURRENT: "up to date",
    SchemaStatus.OLDER: "needs an upgrade",
    SchemaStatus.EMPTY: "empty: no schema yet",
    SchemaStatus.NEWER: "newer than this app",
}


def schema_text(info: ConnectionInfo) -> str:
    """E.g. ``0001_initial (up to date)`` or the revision against the app's newest."""
    status = STATUS_TEXT[info.status]
    if info.status is SchemaStatus.CURRENT:
        return f"{info.revision} ({status})"
    return f"{info.revision or 'none'} ({status}; this app's newest is {info.head})"


def _value_label(accessible_name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(accessible_name)
    # Paths and URLs are long and people copy them into bug reports.
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class OverviewPage(QWidget):
    """Connection details and row counts, with a button to count again."""

    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPage")
        self.setAccessibleName("Database overview")

        title = QLabel("Database")
        title.setObjectName("pageTitle")
        title.setAccessibleName("Page title")

        self.state_label = QLabel()
        self.state_label.setObjectName("stateLabel")
        self.state_label.setAccessibleName("Connection state")
        self.state_label.setWordWrap(True)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.location_label = _value_label("Database location")
        self.type_label = _value_label("Database type")
        self.schema_label = _value_label("Schema revision")
        self.database_box = QGroupBox("Database")
        self.database_box.setAccessibleName("Database")
        database_form = QFormLayout(self.database_box)
        database_form.addRow("Location:", self.location_label)
        database_form.addRow("Type:", self.type_label)
        database_form.addRow("Schema:", self.schema_label)

        self.count_labels: dict[str, QLabel] = {}
        self.rows_box = QGroupBox("Rows")
        self.rows_box.setAccessibleName("Row counts")
        rows_grid = QGridLayout(self.rows_box)
        rows_grid.setHorizontalSpacing(24)
        for row, (label, _repository) in enumerate(COUNTED):
            value = QLabel()
            value.setAccessibleName(f"{label} count")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.count_labels[label] = value
            rows_grid.addWidget(QLabel(f"{label}:"), row, 0)
            rows_grid.addWidget(value, row, 1)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setAccessibleName("Refresh row counts")
        self.refresh_button.setToolTip("Count the rows again")
        self.refresh_button.clicked.connect(self.refresh_requested)
        rows_grid.addWidget(self.refresh_button, len(COUNTED), 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        # Keep each count next to its name instead of at the far edge of a wide window.
        rows_grid.setColumnStretch(2, 1)

        # A readable column on a wide window rather than labels and values far apart.
        content = QWidget()
        content.setMaximumWidth(720)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addWidget(title)
        column.addWidget(self.state_label)
        column.addWidget(self.database_box)
        column.addWidget(self.rows_box)
        column.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(content, 1)
        layout.addStretch(0)
        self.show_connecting("the database")

    def show_connecting(self, location: str) -> None:
        """Show that the database is being opened."""
        self.state_label.setText(f"Connecting to {location}…")
        self.database_box.setVisible(False)
        self.rows_box.setVisible(False)

    def show_info(self, info: ConnectionInfo) -> None:
        """Show an open database's details."""
        if info.created:
            self.state_label.setText("Created a new database file and its schema.")
        elif info.needs_upgrade:
            self.state_label.setText(
                f"Connected to the {info.dialect} database; its schema must be "
                f"{'created' if info.revision is None else 'upgraded'} before it can be used."
            )
        else:
            self.state_label.setText(f"Connected to the {info.dialect} database.")
        self.location_label.setText(info.location)
        kind = "embedded file" if info.is_sqlite else "server"
        self.type_label.setText(f"{info.dialect} {info.server_version} ({kind})")
        self.schema_label.setText(schema_text(info))
        for label, count in info.row_counts:
            self.count_labels[label].setText(f"{count:,}")
        self.database_box.setVisible(True)
        # Rows are only counted on a schema this app knows.
        self.rows_box.setVisible(bool(info.row_counts))
        self.refresh_button.setEnabled(True)

    def show_refreshing(self) -> None:
        """Disable the button while a count is under way."""
        self.refresh_button.setEnabled(False)

    def show_error(self, message: str) -> None:
        """Show why the database could not be used."""
        self.state_label.setText(message)
        self.refresh_button.setEnabled(True)
