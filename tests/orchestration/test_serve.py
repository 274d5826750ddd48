"""`crm serve` warns while accounts keep the published demo password (what it serves and
how it stops: test_serve_stop.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select


def test_serve_warns_while_accounts_have_the_demo_password(
    sqlite_engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.serve import demo_password_warning
    from ingest.auth.passwords import DEMO_PASSWORD
    from ingest.commands.users import set_password
    from ingest.demo_accounts import ensure_demo_accounts
    from ingest.store.db import read_session
    from ingest.store.models import User

    monkeypatch.setenv("CRM_STORE_URL", str(sqlite_engine.url))
    assert demo_password_warning() is None
    ensure_demo_accounts(sqlite_engine)
    warning = demo_password_warning()
    assert warning is not None and "7 active account(s)" in warning
    assert "admin, exec, head, manager, rep, finance, steward" in warning
    with read_session(sqlite_engine) as session:
        ids = dict(session.execute(select(User.username, User.id)).all())
    for username, user_id in ids.items():
        if username != "rep":
            set_password(sqlite_engine, user_id, user_id, f"{DEMO_PASSWORD}-{user_id}-own")
    warning = demo_password_warning()
    assert warning is not None and "1 active account(s)" in warning and "\n  rep\n" in warning
    set_password(sqlite_engine, ids["admin"], ids["rep"], "temporary-but-not-demo")
    assert demo_password_warning() is None  # a temporary password is not the published one
