"""The screens of the main window and the roles that see them: the one place to register a screen.

A screen is a factory `(context, parent) -> QWidget`, called once when the main window opens for a
signed-in user whose role is in `roles`. To add a screen, add a `Screen(...)` to `default_screens()`;
the factory is imported there lazily so a screen's module loads only for the roles that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop.ops.session import DesktopContext
from shared.roles import Role

ScreenFactory = Callable[[DesktopContext, QWidget], QWidget]


@dataclass(frozen=True)
class Screen:
    key: str
    title_source: str  # English; shown through QCoreApplication.translate("Screens", ...)
    roles: frozenset[Role]
    factory: ScreenFactory

    @property
    def title(self) -> str:
        return QCoreApplication.translate("Screens", self.title_source)


def _calendar(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.calendar.screen import CalendarScreen

    return CalendarScreen(context, parent=parent)


def _tickets(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.tickets.screens import tickets_screen

    return tickets_screen(context, parent)


def _inbox(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.inbox.screen import inbox_screen

    return inbox_screen(context, parent)


def _admin(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.admin.screen import admin_screen

    return admin_screen(context, parent)


def _patients(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.patient.screen import PatientsScreen

    return PatientsScreen(context, parent=parent)


def _cash_report(context: DesktopContext, parent: QWidget) -> QWidget:
    from desktop.ui.patient.cash_report import CashReportScreen

    return CashReportScreen(context, parent=parent)


def default_screens() -> list[Screen]:
    """Every screen of the app, in navigation order."""
    return [
        Screen(
            key="calendar",
            title_source=QT_TRANSLATE_NOOP("Screens", "Calendar"),
            roles=frozenset({Role.DOCTOR, Role.SCHEDULER, Role.ADMIN}),
            factory=_calendar,
        ),
        Screen(
            key="tickets",
            title_source=QT_TRANSLATE_NOOP("Screens", "Refill tickets"),
            roles=frozenset({Role.NURSE, Role.PHARMACIST}),
            factory=_tickets,
        ),
        Screen(
            key="patients",
            title_source=QT_TRANSLATE_NOOP("Screens", "Patients"),
            roles=frozenset({Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN}),
            factory=_patients,
        ),
        Screen(
            key="cash_report",
            title_source=QT_TRANSLATE_NOOP("Screens", "Cash report"),
            roles=frozenset({Role.SCHEDULER, Role.ADMIN}),
            factory=_cash_report,
        ),
        Screen(
            key="inbox",
            title_source=QT_TRANSLATE_NOOP("Screens", "Conflicts"),
            roles=frozenset(Role),
            factory=_inbox,
        ),
        Screen(
            key="admin",
            title_source=QT_TRANSLATE_NOOP("Screens", "Sync health"),
            roles=frozenset({Role.ADMIN}),
            factory=_admin,
        ),
    ]


def role_label(role: Role) -> str:
    """A role's name as the user reads it."""
    labels = {
        Role.DOCTOR: QCoreApplication.translate("Role", "Doctor"),
        Role.NURSE: QCoreApplication.translate("Role", "Nurse"),
        Role.PHARMACIST: QCoreApplication.translate("Role", "Pharmacist"),
        Role.SCHEDULER: QCoreApplication.translate("Role", "Scheduler"),
        Role.ADMIN: QCoreApplication.translate("Role", "Administrator"),
    }
    return labels[role]


def screens_for(role: Role, screens: Sequence[Screen]) -> list[Screen]:
    return [screen for screen in screens if role in screen.roles]
