"""The API's storage of expected-position reports over `db` (part of `SqlBackend`)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.expected_intake import VerifiedReport
from flowmarket.api.expected_schemas import (
    ExpectedPositionOut,
    ExpectedPositionsOut,
    ExpectedReportOut,
)
from flowmarket.db import expected_repo
from flowmarket.db.expected_tables import ExpectedReport


def report_out(row: ExpectedReport) -> ExpectedReportOut:
    return ExpectedReportOut.model_validate(row, from_attributes=True)


class ExpectedPositionsSql:
    """`MarketBackend`'s expected-positions methods on a SQLAlchemy engine."""

    engine: Engine

    def expected_positions(self, participant: str) -> ExpectedPositionsOut:
        with Session(self.engine) as session:
            rows = expected_repo.current_positions(session, participant=participant)
            last = expected_repo.last_nonce(session, participant=participant)
        return ExpectedPositionsOut(
            participant=participant,
            last_nonce=last,
            next_nonce=0 if last is None else last + 1,
            positions=[
                ExpectedPositionOut(
                    product=r.product, quantity=r.quantity, reported_at=r.reported_at
                )
                for r in rows
            ],
        )

    def store_expected_report(
        self, report: VerifiedReport, *, reported_at: float, receipt_signature: str
    ) -> tuple[ExpectedReportOut, str, bool]:
        row = ExpectedReport(
            report_hash=report.report_hash,
            participant=report.participant,
            nonce=report.nonce,
            deadline=report.deadline,
            positions=report.positions,
            signature=report.signature,
            receipt_signature=receipt_signature,
            reported_at=reported_at,
        )
        with Session(self.engine, expire_on_commit=False) as session:
            stored, duplicate = expected_repo.record_report(session, report=row)
            return report_out(stored), stored.receipt_signature, duplicate
