"""Which lane a send belongs to, and which lanes a process resumes parked sends of.

A parked retry keeps its send's lane (issue 21.1), so that a critical send parked on a
provider's answer is resumed by a process that serves the critical lane, never behind a
blast's parked sends in a bulk-only one, and a blast's parked sends never load a
critical-only process.
"""

from typing import Literal

from herald.contracts.critical import is_critical
from herald.contracts.internal import Send

Lane = Literal["bulk", "critical"]
Lanes = Literal["all", "bulk", "critical"]
"""What a process serves (the LANES setting)."""


def lane_of(send: Send) -> Lane:
    return "critical" if is_critical(send.category, send.priority) else "bulk"


def resumed_by(lanes: Lanes) -> tuple[Lane, ...]:
    """The lanes whose parked sends a process serving `lanes` resumes."""
    return ("bulk", "critical") if lanes == "all" else (lanes,)
