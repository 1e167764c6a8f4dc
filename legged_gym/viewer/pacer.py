"""Real-time pacing of a control loop."""

from __future__ import annotations

import time


class Pacer:
    """Sleeps so that successive :meth:`wait` calls are ``dt`` seconds apart (real time); never sleeps when behind."""

    def __init__(self, dt: float) -> None:
        self.dt = dt
        self.next = time.perf_counter() + dt

    def wait(self) -> None:
        """Sleep until the next tick."""
        now = time.perf_counter()
        if self.next > now:
            time.sleep(self.next - now)
        self.next = max(self.next + self.dt, time.perf_counter() - self.dt)
