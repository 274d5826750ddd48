"""What the generator reads from the store before it starts: reference ids and the window.

Reference data is configurable (docs/architecture.md §2.2: sales modes and stages are data,
not code), so the generator never hard-codes an id: it looks codes up here and falls back
gracefully when an admin has added or deactivated rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from ingest.store.db import read_session
from ingest.store.models import (
    CustomerType,
    Department,
    Industry,
    LeadSource,
    LossReason,
    Region,
    SalesMode,
    Stage,
)

EPOCH = dt.date(1970, 1, 1)
YEARS = 3
# The stage at which a quote is made, per mode; other modes quote half-way.
QUOTE_STAGES = {"si_supply": "si_proposal_delivered", "project_type": "pt_tender"}


class SeedError(Exception):
    """The seed cannot run on this store; the message says why and what to do."""


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def day_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


@dataclass(frozen=True)
class Mode:
    id: int
    code: str
    stage_ids: np.ndarray  # open stages in order; the won stage is not among them
    won_stage_id: int
    quote_pos: int  # index in stage_ids of the stage where the first quote is made


@dataclass(frozen=True)
class Ref:
    departments: dict[str, int]
    regions: list[str]
    region_ids: np.ndarray
    industries: list[str]
    industry_ids: np.ndarray
    customer_types: list[str]
    customer_type_ids: np.ndarray
    sources: list[str]
    source_ids: np.ndarray
    loss_codes: list[str]
    loss_ids: np.ndarray
    loss_categories: list[str]
    modes: list[Mode]


def load_ref(engine: Engine) -> Ref:
    try:
        return _load_ref(engine)
    except DBAPIError as error:  # no tables yet
        raise SeedError("the store is not initialised: run `crm init` first") from error


def _load_ref(engine: Engine) -> Ref:
    with read_session(engine) as session:

        def codes(model: type) -> tuple[list[str], np.ndarray]:
            rows = session.execute(
                select(model.code, model.id)  # type: ignore[attr-defined]
                .where(model.is_active.is_(True))  # type: ignore[attr-defined]
                .order_by(model.id)  # type: ignore[attr-defined]
            ).all()
            return [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.int64)

        departments = dict(session.execute(select(Department.code, Department.id)).all())
        regions, region_ids = codes(Region)
        industries, industry_ids = codes(Industry)
        types, type_ids = codes(CustomerType)
        sources, source_ids = codes(LeadSource)
        losses = session.execute(
            select(LossReason.code, LossReason.id, LossReason.category)
            .where(LossReason.is_active.is_(True))
            .order_by(LossReason.id)
        ).all()
        modes = []
        for mode_id, mode_code in session.execute(
            select(SalesMode.id, SalesMode.code)
            .where(SalesMode.is_active.is_(True))
            .order_by(SalesMode.id)
        ).all():
            stages = session.execute(
                select(Stage.id, Stage.code, Stage.is_won_stage)
                .where(Stage.sales_mode_id == mode_id, Stage.is_active.is_(True))
                .order_by(Stage.stage_order, Stage.id)
            ).all()
            open_stages = [(s.id, s.code) for s in stages if not s.is_won_stage]
            won = [s.id for s in stages if s.is_won_stage]
            if not open_stages or not won:
                continue  # a mode nobody can close won is not one to invent history for
            quote_code = QUOTE_STAGES.get(mode_code)
            stage_codes = [code for _, code in open_stages]
            quote_pos = (
                stage_codes.index(quote_code)
                if quote_code in stage_codes
                else len(open_stages) // 2
            )
            modes.append(
                Mode(
                    id=mode_id,
                    code=mode_code,
                    stage_ids=np.array([sid for sid, _ in open_stages], dtype=np.int64),
                    won_stage_id=won[-1],
                    quote_pos=quote_pos,
                )
            )
    if not (regions and industries and types and sources and losses and modes):
        raise SeedError("the store has no reference data: run `crm init` first")
    return Ref(
        departments=departments,
        regions=regions,
        region_ids=region_ids,
        industries=industries,
        industry_ids=industry_ids,
        customer_types=types,
        customer_type_ids=type_ids,
        sources=sources,
        source_ids=source_ids,
        loss_codes=[r[0] for r in losses],
        loss_ids=np.array([r[1] for r in losses], dtype=np.int64),
        loss_categories=[r[2] for r in losses],
        modes=modes,
    )


@dataclass(frozen=True)
class Window:
    """Three years of history ending the day before `as_of`.

    Everything that happened is dated before `as_of` (the cut-off, midnight UTC starting
    that day), so seeding "today" never writes a time later than now. Only plans look
    ahead: open projects' expected close dates, planned activities, the current quarter's
    targets and the validity of quotes still out with the customer.
    """

    as_of: dt.date

    @property
    def start(self) -> dt.date:
        try:
            return self.as_of.replace(year=self.as_of.year - YEARS)
        except ValueError:  # 29 February
            return self.as_of.replace(year=self.as_of.year - YEARS, day=28)

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    @property
    def cutoff_day(self) -> int:
        return day_number(self.as_of)

    @property
    def cutoff_sec(self) -> int:
        return self.cutoff_day * 86_400

    def month_starts(self, through_quarter_end: bool = False) -> np.ndarray:
        """First days of the months from the start's month to as_of's month (or quarter end)."""
        first = self.start.replace(day=1)
        last = self.as_of.replace(day=1)
        if through_quarter_end:
            quarter_last_month = ((last.month - 1) // 3) * 3 + 3
            last = last.replace(month=quarter_last_month)
        months = np.arange(
            np.datetime64(first, "M"), np.datetime64(last, "M") + 1, dtype="datetime64[M]"
        )
        return months.astype("datetime64[D]").astype(np.int64)


def month_index(days: np.ndarray, month_starts: np.ndarray) -> np.ndarray:
    return np.searchsorted(month_starts, days, side="right") - 1


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month 1..12 of day numbers."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype(np.int64) % 12 + 1


def quarter_end(days: np.ndarray) -> np.ndarray:
    """The last day of each day's quarter."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    m = months.astype(np.int64)
    next_quarter = (m // 3) * 3 + 3
    return next_quarter.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1


def month_end(days: np.ndarray) -> np.ndarray:
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return (months + 1).astype("datetime64[D]").astype(np.int64) - 1
