"""Storage: SQLAlchemy tables, repositories that turn rows into domain objects and back, the
unit of work, Alembic migrations, and engine creation from a database URL.

Start from `storage.database.Database.from_url(url)` and `storage.migrate.upgrade_database(url)`.
Nothing here connects to a database at import time.
"""
