"""HTTP API (FastAPI): order intake, public and private reads. Imports neither `db`
nor `chain`; storage comes in through `MarketBackend`."""
