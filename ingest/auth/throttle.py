"""When a sign-in attempt is refused before its password is even checked.

Failures are counted per client address, per account and overall over a sliding window.
An address that has failed only a few times (a person mistyping) is never held back by
what others do, so nobody can lock `admin` out from elsewhere; an address that keeps
failing is refused, and so are repeat offenders while an account or the whole office is
under attack. A refusal costs one indexed count, not a password hash.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.store.models import SignInAttempt

WINDOW = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 10  # failures from one address within the window
ACCOUNT_UNDER_ATTACK = 20  # failures on one account, from anywhere
OFFICE_UNDER_ATTACK = 100  # failures in all
FEW = 3  # failures of an address presumed to be a person mistyping


def refuses(session: Session, address: str, user_id: int | None, now: dt.datetime) -> bool:
    """Whether an attempt from `address` on account `user_id` (None: no such account)
    is refused without checking its password."""
    recent_failures = (SignInAttempt.at >= now - WINDOW) & SignInAttempt.succeeded.is_(False)

    def failures(*where: object) -> int:
        query = select(func.count()).select_from(SignInAttempt).where(recent_failures, *where)
        return session.scalar(query) or 0

    from_address = failures(SignInAttempt.address == address)
    if from_address >= ADDRESS_LIMIT:
        return True
    if from_address < FEW:
        return False
    if user_id is not None:
        on_account = SignInAttempt.user_id == user_id
        if failures(on_account) >= ACCOUNT_UNDER_ATTACK and (
            failures(on_account, SignInAttempt.address == address) >= FEW
        ):
            return True
    return failures() >= OFFICE_UNDER_ATTACK
