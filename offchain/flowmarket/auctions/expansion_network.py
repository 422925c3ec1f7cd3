"""Built capacity extends the network: an expansion's additions applied to one hour's links.

A network block lists links as `{"id", "from", "to", "capacity", ...}` (GB/h for one
delivery hour; the clearing's network format). An expansion result lists
`capacity_additions`: `{"link", "from", "to", "capacity", "from_hour"}`. From its
`from_hour` on, an addition adds its capacity to the link with its id, or is a new link
(no cost, owned by nobody) when the network has none; before it, nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flowmarket.errors import FieldError


def extend_links(
    links: Sequence[Mapping[str, Any]], additions: Sequence[Mapping[str, Any]], hour: int
) -> list[dict[str, Any]]:
    """Hour `hour`'s links with every addition built by then (inputs are not changed)."""
    out = [dict(link) for link in links]
    index = {str(link["id"]): k for k, link in enumerate(out)}
    for n, addition in enumerate(additions):
        if int(addition["from_hour"]) > hour:
            continue
        name = str(addition["link"])
        ends = (addition["from"], addition["to"])
        if name not in index:
            index[name] = len(out)
            out.append({"id": name, "from": ends[0], "to": ends[1], "capacity": 0.0})
        link = out[index[name]]
        if (link["from"], link["to"]) != ends:
            raise FieldError(
                f"capacity_additions[{n}]",
                f"link {name} joins {link['from']}→{link['to']}, not {ends[0]}→{ends[1]}",
            )
        link["capacity"] = float(link["capacity"]) + float(addition["capacity"])
    return out
