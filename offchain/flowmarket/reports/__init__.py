"""`flowmarket report`: one self-contained HTML page with plots of a market's record.

Price heatmaps (hour cleared × hours ahead per region and type), aggregate net-demand
curves from the oracle's journaled order books, volumes, positions, cash and collateral
per participant, and summary tables, read from the database without writing to it.
Service-level: it reads through `db` repositories and the catalogue, draws with
matplotlib, and prints nothing (the CLI does).
"""

from flowmarket.reports.build import ReportStats, build_report
from flowmarket.reports.sources import Source, open_source, parse_hour_range

__all__ = ["ReportStats", "Source", "build_report", "open_source", "parse_hour_range"]
