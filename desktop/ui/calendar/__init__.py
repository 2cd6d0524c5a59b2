"""Painted calendars: a week of one doctor and one day of several doctors, over an appointment model."""

from desktop.ui.calendar.canvas import CalendarCanvas, CanvasColumn
from desktop.ui.calendar.model import AppointmentModel
from desktop.ui.calendar.navigation import CalendarNavigationBar
from desktop.ui.calendar.views import CalendarPage, MultiDoctorDayView, Runner, WeekView, run_inline

__all__ = [
    "AppointmentModel",
    "CalendarCanvas",
    "CalendarNavigationBar",
    "CalendarPage",
    "CanvasColumn",
    "MultiDoctorDayView",
    "Runner",
    "WeekView",
    "run_inline",
]
