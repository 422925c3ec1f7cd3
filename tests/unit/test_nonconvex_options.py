"""`flowmarket order submit --kind …` options and the `nonconvex_rule` setting: each
kind's options required, the others refused, naming the option or variable."""

from __future__ import annotations

import argparse

import pytest

from flowmarket.cli.order import terms_of
from flowmarket.config import load_settings
from flowmarket.errors import FieldError
from flowmarket.signing import NonConvexTerms


def args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "kind": "curve", "curve": None, "quantity": None, "price": None,
        "min_quantity": None, "fixed_cost": None,
    }  # fmt: skip
    return argparse.Namespace(**{**values, **given})


def test_each_kind_gives_its_terms() -> None:
    assert terms_of(args(curve="-5:12,10:4")) is None
    block = args(kind="all_or_nothing", quantity=10.0, price=45.0)
    assert terms_of(block) == NonConvexTerms("all_or_nothing", quantity=10.0, price=45.0)
    fill = args(kind="min_fill", curve="-50:12,0:10", min_quantity=20.0)
    assert terms_of(fill) == NonConvexTerms("min_fill", min_quantity=20.0)
    startup = args(kind="startup", curve="-50:12,0:10", fixed_cost=30.0)
    assert terms_of(startup) == NonConvexTerms("startup", fixed_cost=30.0)


@pytest.mark.parametrize(
    ("given", "option"),
    [
        ({"kind": "all_or_nothing", "quantity": 10.0}, "--price"),
        ({"kind": "all_or_nothing", "quantity": 10.0, "price": 4.0, "curve": "0:5,1:4"}, "--curve"),
        ({"kind": "min_fill", "curve": "0:5,1:4"}, "--min-quantity"),
        ({"kind": "min_fill", "min_quantity": 1.0}, "--curve"),
        ({"kind": "startup", "curve": "0:5,1:4", "fixed_cost": 1.0, "price": 3.0}, "--price"),
        ({"curve": "0:5,1:4", "fixed_cost": 1.0}, "--fixed-cost"),
    ],
)
def test_a_wrong_option_is_named(given: dict[str, object], option: str) -> None:
    with pytest.raises(FieldError) as caught:
        terms_of(args(**given))
    assert caught.value.field == option


def test_the_nonconvex_rule_setting_defaults_to_no_loss_and_is_checked() -> None:
    assert load_settings({}).nonconvex_rule == "no_loss"
    assert load_settings({"FLOWMARKET_NONCONVEX_RULE": "model_a"}).nonconvex_rule == "model_a"
    with pytest.raises(FieldError) as caught:
        load_settings({"FLOWMARKET_NONCONVEX_RULE": "cheapest"})
    assert caught.value.field == "FLOWMARKET_NONCONVEX_RULE"
