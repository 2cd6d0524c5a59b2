"""Notifications for staff: what happened to their tickets and bookings, delivered by the change feed
to their desktops (the in-window notification centre, the tray). Patient emails are patient_email/."""
