"""Refill ticket screens: the ward's list and editor for nurses, the queue for the pharmacy."""
