"""The published settlement leaves and requirement proofs, from the oracle's records.

A week's tree is rebuilt from what the oracle stored when it prepared the week (its
exact amounts, `oracle_weeks`; the hours each participant traded in, from the hourly
amounts; the week's first hour from the oracle's clock) with the same builder the oracle
posts from (`chain.leaves.settlement_week`); a rebuilt root that differs from the stored
one is an error, never a served proof. Requirements come from the files the oracle
writes beside each root it posts (`chain.requirements`). Implements the API's
`SettlementProofs` port.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.settlement_schemas import (
    ItemOut,
    RequirementProofOut,
    SettlementLeafOut,
    SettlementWeekOut,
)
from flowmarket.catalogue.hours import HOURS_PER_WEEK
from flowmarket.chain.leaves import (
    SettlementWeek,
    decode_settlement_value,
    participant_key,
    requirements_tree,
    settlement_week,
)
from flowmarket.chain.requirements import read_requirement_parts
from flowmarket.chain.sorted_tree import Item
from flowmarket.db import oracle_repo
from flowmarket.errors import CommitmentMismatch, NotFound
from flowmarket.states import WeekStatus


def item_out(item: Item) -> ItemOut:
    return ItemOut(
        index=item.index,
        key="0x" + item.key.hex(),
        value="0x" + item.value.hex(),
        proof=["0x" + node.hex() for node in item.proof],
    )


class StoredProofs:
    """Proofs from the oracle's database (`engine`) and requirement files (`state_dir`)."""

    def __init__(self, engine: Engine, state_dir: Path) -> None:
        self.engine = engine
        self.state_dir = state_dir

    def weeks(self) -> list[SettlementWeekOut]:
        with Session(self.engine) as session:
            latest = oracle_repo.latest_week(session)
            count = 0 if latest is None else latest + 1
            rows = [oracle_repo.get_week(session, week=w) for w in range(count)]
        out = []
        for row in rows:
            if row is None:
                continue
            amounts = [int(a) for a in row.amounts.values()]
            out.append(
                SettlementWeekOut(
                    week=row.week,
                    root=row.root,
                    count=len(amounts),
                    total_credits=str(sum(a for a in amounts if a > 0)),
                    total_debits=str(-sum(a for a in amounts if a < 0)),
                    fees=row.fees,
                    status=WeekStatus(row.status),
                )
            )
        return out

    def tree(self, week: int) -> SettlementWeek:
        """Week `week`'s settlement tree as the oracle posted it."""
        with Session(self.engine) as session:
            row = oracle_repo.get_week(session, week=week)
            clock = oracle_repo.clock_row(session)
            if row is None or clock is None:
                raise NotFound(f"week: week {week} is not prepared for settlement yet")
            first = clock.genesis_hour + HOURS_PER_WEEK * week
            hours = oracle_repo.week_hours(
                session, first_hour=first, last_hour=first + HOURS_PER_WEEK - 1
            )
        amounts = [(p, int(a)) for p, a in row.amounts.items()]
        tree = settlement_week(week, amounts, int(row.fees), hours)
        if "0x" + tree.root.hex() != row.root:
            raise CommitmentMismatch(f"week {week}: the rebuilt tree is not the stored root")
        return tree

    def leaf(self, week: int, participant: str) -> SettlementLeafOut:
        tree = self.tree(week)
        if tree.tree.find(participant_key(participant)) is None:
            raise NotFound(f"participant: {participant} has no leaf in week {week}")
        item = tree.item(participant)
        value = decode_settlement_value(item.value)
        return SettlementLeafOut(
            week=week,
            participant=participant,
            root="0x" + tree.root.hex(),
            count=tree.count,
            amount=str(value.amount),
            hours=str(value.hours),
            credits_before=str(value.credits_before),
            debits_before=str(value.debits_before),
            item=item_out(item),
        )

    def requirement(self, hour: int, participant: str) -> RequirementProofOut:
        parts = read_requirement_parts(self.state_dir, hour)
        if parts is None:
            raise NotFound(f"hour: no requirements are published for hour {hour}")
        tree = requirements_tree({p: r.total for p, r in parts.items()})
        mine = parts.get(participant)
        return RequirementProofOut(
            hour=hour,
            participant=participant,
            root="0x" + tree.root.hex(),
            count=tree.count,
            requirement=str(mine.total if mine else 0),
            margin=str(mine.margin if mine else 0),
            owed=str(mine.owed if mine else 0),
            items=[item_out(i) for i in tree.lookup(participant_key(participant))],
        )
