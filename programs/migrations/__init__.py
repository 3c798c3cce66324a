"""The core's Alembic migrations. ``CORE_HEAD`` lets start-up check the schema without
importing Alembic; a test keeps it equal to the newest revision in ``versions/``."""

CORE_HEAD = "0006"
