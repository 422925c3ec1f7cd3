"""The report as one self-contained HTML page: inline CSS, images as data URIs, no script.

Sections carry ids (`summary`, `prices`, `curves`, `volumes`, `positions`,
`collateral`); summary rows carry `data-key`, and every table cell its exact value in
`data-value` (counts and wei as integers), for readers and tests alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from flowmarket.reports.summary import Cell, SummaryItem

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; max-width: 1000px; padding: 0 20px 60px; }
header { border-bottom: 1px solid #d0d7de; margin-bottom: 12px; }
h1 { font-size: 24px; margin: 22px 0 4px; }
h2 { font-size: 19px; margin: 34px 0 6px; border-bottom: 1px solid #eaeef2; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 4px; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
p.meta, figcaption, p.note { color: #57606a; font-size: 13px; }
figure { margin: 10px 0 18px; }
figure img { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid #eaeef2; padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary th { font-weight: normal; color: #57606a; }
.scroll { overflow-x: auto; }
"""


@dataclass
class Section:
    """One titled part of the page: an introduction, then blocks of HTML, in order."""

    key: str
    title: str
    intro: str
    blocks: list[str] = field(default_factory=list)

    def figure(self, uri: str, alt: str, caption: str) -> None:
        self.blocks.append(
            f'<figure><img src="{uri}" alt="{escape(alt)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )

    def heading(self, text: str) -> None:
        self.blocks.append(f"<h3>{escape(text)}</h3>")

    def note(self, text: str) -> None:
        self.blocks.append(f'<p class="note">{escape(text)}</p>')

    def table(self, headers: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        self.blocks.append(table_html(headers, rows))

    def html(self) -> str:
        body = "\n".join(self.blocks)
        return (
            f'<section id="{self.key}"><h2>{escape(self.title)}</h2>'
            f"<p>{escape(self.intro)}</p>\n{body}</section>"
        )


def _cell(cell: Cell) -> str:
    return f'<td class="num" data-value="{escape(str(cell.value))}">{escape(cell.text)}</td>'


def table_html(headers: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        f"<tr><th>{escape(name)}</th>{''.join(_cell(c) for c in cells)}</tr>"
        for name, cells in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def summary_html(items: Sequence[SummaryItem]) -> str:
    rows = "".join(
        f'<tr data-key="{escape(i.key)}"><th>{escape(i.label)}</th>{_cell(i.cell)}</tr>'
        for i in items
    )
    return f'<table class="summary"><tbody>{rows}</tbody></table>'


def page_html(title: str, meta: str, sections: Sequence[Section]) -> str:
    nav = "".join(f'<a href="#{s.key}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(s.html() for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
        f'<body><header><h1>{escape(title)}</h1><p class="meta">{escape(meta)}</p>'
        f"<nav>{nav}</nav></header>\n{body}\n</body></html>\n"
    )
