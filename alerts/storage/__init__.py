"""Storage: SQLAlchemy models, sessions, queries (callers own transactions) and migrations."""
