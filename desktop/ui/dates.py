"""Dates as the user's locale writes them, always with the year in full ("08/06/1999", never "8/6/99").

Qt's short formats use two-digit years in many locales; a two-digit year next to a patient's name is
where a wrong patient gets picked, so every date the desktop shows goes through here.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QLocale, QTimeZone


def date_format(locale: QLocale) -> str:
    """The locale's short date pattern with a four-digit year (for display and date editors)."""
    pattern = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return pattern


def date_time_format(locale: QLocale) -> str:
    """The locale's short date and time pattern with a four-digit year."""
    return f"{date_format(locale)} {locale.timeFormat(QLocale.FormatType.ShortFormat)}"


def format_date(value: date | None, locale: QLocale, *, empty: str = "—") -> str:
    if value is None:
        return empty
    return locale.toString(QDate(value.year, value.month, value.day), date_format(locale))


def format_date_time(value: datetime | None, locale: QLocale, *, empty: str = "—") -> str:
    """A moment in the workstation's time zone, with the date's year in full."""
    if value is None:
        return empty
    moment = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())
    return locale.toString(moment, date_time_format(locale))


def age_on(birth: date, today: date) -> int:
    """Whole years lived by `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def birth_date_with_age(birth: date, *, today: date, locale: QLocale) -> str:
    """ "08/06/1999 (26 years)": the date in full and the age, which catches a wrong pick at a glance."""
    years = age_on(birth, today)
    age = QCoreApplication.translate("Dates", "%n years", None, years)
    return QCoreApplication.translate("Dates", "{date} ({age})").format(
        date=format_date(birth, locale), age=age
    )
