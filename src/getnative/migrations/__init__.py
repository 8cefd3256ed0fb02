"""Alembic migrations, shipped inside the package so `getnative migrate` works when installed."""
