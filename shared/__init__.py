"""What the desktop and the sync server must agree on: wire protocol, domain enums and rules.

Imports only the standard library and pydantic (checked by import-linter).
"""
