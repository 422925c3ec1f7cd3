"""Orchestration: combines `api`, `db`, `chain` and `clearing` into the market's jobs."""
