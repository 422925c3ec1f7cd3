"""Primary capacity auctions, pure: no clock, database, network or chain.

- The simultaneous ascending clock auction for capacity releases (`clock_spec`,
  `clock_bids`, `clock_rounds`, `clock_awards`, `clock_run`): discrete rounds with a
  price interval per product, intra-round demand schedules, aggregate demand
  disclosed after each round, clearing at the smallest price where demand does not
  exceed supply, activity rules over product groups (switching within a group).
- The expansion auction for new capacity on network legs (`expansion_spec`,
  `expansion_milp`, `expansion_prices`): discrete capacity alternatives per leg,
  package bids over legs, a MILP (HiGHS) that picks the configuration and winners,
  one price per unit of capacity per leg that recovers every built alternative's cost.

Amounts are exact integers: wei (capacity tokens × 10¹⁸) and 10⁻¹⁸ GB.
"""
