"""Who may see which patient, on the server: the patient facts the scope rule of `shared.privacy` reads,
the checks the routes make with it, and break-the-glass grants."""
