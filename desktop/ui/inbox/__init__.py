"""The conflict and rejection inbox: changes the server did not apply, and what their author decides."""
