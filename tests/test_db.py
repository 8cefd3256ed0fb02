"""Logged database errors name the statement but never its bound parameters (emails, password
hashes, user text): the engines run with `hide_parameters=True`."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from getnative.db import Database


def test_database_errors_leave_out_bound_parameters(db: Database) -> None:
    secret = "secret-recipient@example.com"
    with pytest.raises(DBAPIError) as raised, db.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": secret})
    assert secret not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
