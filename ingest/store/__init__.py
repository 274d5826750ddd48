"""The operational store: SQLAlchemy models, engines and migrations."""
