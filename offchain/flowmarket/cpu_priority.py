"""The oracle's CPU priority beside the API on one machine.

The clearing oracle and the participation API's workers share the machine's cores. An
hour's snapshot and solve take a core for seconds right after each close, and the API's
workers, which answer participants in milliseconds, had to share the other: a request
sent in the 10 seconds after a close took up to 4x longer at the 99th percentile than
one sent later in the hour (bench/README.md, "The oracle yields the CPU to intake").
The oracle has until the next close; a participant waits on every request. So
`oracle run` lowers its own scheduling priority (`Settings.oracle_nice`, added to the
process's nice value): the kernel then runs intake first whenever both are ready, and
the oracle still takes every cycle intake leaves, so an hour the API leaves the machine
idle for is cleared as fast as before.
"""

from __future__ import annotations

import os


def lower_priority(increment: int) -> int:
    """Add `increment` (≥ 0) to this process's nice value (the kernel caps it at 19, the
    lowest priority); returns the nice value the process now runs at, read back from the
    kernel. Raising a nice value needs no privilege, so this never fails for lack of one."""
    if increment:
        os.nice(increment)
    return os.getpriority(os.PRIO_PROCESS, 0)
