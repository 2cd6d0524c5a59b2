"""Messages to patients: appointment confirmation and cancellation emails."""
