"""Messages to patients: appointment confirmation and cancellation emails (staff notifications are
staff_notifications/)."""
