"""Offline sync: the change feed, push (mutations from desktops) and pull (changes to desktops)."""
