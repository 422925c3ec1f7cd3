"""Persistence: SQLModel tables, engines, Alembic migrations and repository functions.

Imports neither `api` nor `chain`; the oracle, the backend and the demo combine them.
"""
