"""Storage: SQLAlchemy 2 tables, Alembic migrations shipped in the package, small repositories."""

from actionforge.store import tables_calls as _tables_calls  # noqa: F401  (its tables join Base.metadata)
from actionforge.store import tables_chat as _tables_chat  # noqa: F401  (likewise)
from actionforge.store import tables_connections as _tables_connections  # noqa: F401  (likewise)
from actionforge.store import tables_models as _tables_models  # noqa: F401  (likewise)
from actionforge.store.database import Database, DatabaseURLError, async_url

__all__ = ["Database", "DatabaseURLError", "async_url"]
