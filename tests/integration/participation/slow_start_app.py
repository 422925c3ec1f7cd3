"""`handed_pid_app`'s app, in a worker whose start-up takes `SLOW_START_S` seconds (an
environment variable, read at import): a worker as slow to start as a real one on a
loaded machine, which imports web3, FastAPI and numba."""

from __future__ import annotations

import os
import time

from handed_pid_app import app

time.sleep(float(os.environ.get("SLOW_START_S", "0")))

__all__ = ["app"]
