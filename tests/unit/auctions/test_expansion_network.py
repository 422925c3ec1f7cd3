"""An expansion's built capacity joins the network's links from its start hour."""

from __future__ import annotations

import pytest

from flowmarket.auctions.expansion_network import extend_links
from flowmarket.errors import FieldError

LINKS = [{"id": "A", "from": "slope", "to": "hub", "capacity": 50.0, "cost": 0.5}]
BUILT = [
    {"link": "A", "from": "slope", "to": "hub", "capacity": 200.0, "from_hour": 100},
    {"link": "C", "from": "hub", "to": "anchorage", "capacity": 80.0, "from_hour": 100},
]


def test_built_capacity_adds_to_links_from_the_start_hour_and_not_before() -> None:
    assert extend_links(LINKS, BUILT, 99) == LINKS
    assert extend_links(LINKS, BUILT, 100) == [
        {"id": "A", "from": "slope", "to": "hub", "capacity": 250.0, "cost": 0.5},
        {"id": "C", "from": "hub", "to": "anchorage", "capacity": 80.0},
    ]
    assert LINKS[0]["capacity"] == 50.0  # the input is left alone


def test_an_addition_on_a_link_with_other_ends_is_refused() -> None:
    wrong = [{"link": "A", "from": "hub", "to": "slope", "capacity": 1.0, "from_hour": 0}]
    with pytest.raises(FieldError, match="capacity_additions\\[0\\]"):
        extend_links(LINKS, wrong, 5)
