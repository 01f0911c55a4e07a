"""Storage: SQLAlchemy 2 tables, Alembic migrations shipped in the package, small repositories."""

from actionforge.store.database import Database, DatabaseURLError, async_url

__all__ = ["Database", "DatabaseURLError", "async_url"]
