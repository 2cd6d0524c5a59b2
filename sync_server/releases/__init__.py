"""Desktop releases: admins publish them, desktops ask for the current one and report refused ones."""
