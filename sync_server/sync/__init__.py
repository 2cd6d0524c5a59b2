"""Offline sync, above the domains: push (the changes desktops queued, applied through each domain's
handlers) and pull (the change feed, by scope, to desktops)."""
