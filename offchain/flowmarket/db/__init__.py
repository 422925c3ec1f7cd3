"""Persistence: SQLModel tables, engines, Alembic migrations and repository functions.

Imports neither `api` nor `chain`; `services` combines them.
"""
