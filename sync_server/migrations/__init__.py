"""The database schema's history (Alembic revisions under versions/) and the registry of every table
the revisions must match (schema.py)."""
