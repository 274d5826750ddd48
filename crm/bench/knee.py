"""Where a cost measured at a few sizes would cross a limit: the knee of a scale curve.

Two fits over the points, a straight line (cost = a + b·size: a fixed part plus one that
grows) and a power law (cost = a·size^b, a straight line in log-log: growth faster or
slower than the size). Near the points they agree; far out they part, and the knee taken
is the earlier of the two, the cautious reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FLAT = 1e-9  # a slope this small is rounding, not growth
FAR = 1e6  # a crossing a million times the size is no knee


@dataclass(frozen=True)
class Fit:
    kind: str  # "linear" or "power"
    a: float
    b: float

    def at(self, size: float) -> float:
        return self.a + self.b * size if self.kind == "linear" else self.a * size**self.b

    def reaching(self, limit: float) -> float | None:
        """The size at which the growing fit reaches `limit` (0 when it starts there),
        None when it does not grow or gets there only past FAR."""
        if self.b <= FLAT:
            return None
        if self.kind == "linear":
            size = max((limit - self.a) / self.b, 0.0)
            return size if size < FAR else None
        log_size = math.log(limit / self.a) / self.b
        return math.exp(log_size) if log_size < math.log(FAR) else None

    def describe(self) -> str:
        if self.kind == "linear":
            return f"{self.a:.3g} + {self.b:.3g}·x"
        return f"{self.a:.3g}·x^{self.b:.2f}"


@dataclass(frozen=True)
class Knee:
    size: float
    fit: Fit


def fits(sizes: list[float], costs: list[float]) -> list[Fit]:
    """Both fits, or none where the points cannot carry them (fewer than two sizes; the
    power law also needs costs above 0)."""
    x, y = np.asarray(sizes, float), np.asarray(costs, float)
    if len(set(sizes)) < 2:
        return []
    b, a = np.polyfit(x, y, 1)
    found = [Fit("linear", float(a), float(b))]
    if (x > 0).all() and (y > 0).all():
        b, log_a = np.polyfit(np.log(x), np.log(y), 1)
        found.append(Fit("power", math.exp(float(log_a)), float(b)))
    return found


def knee(sizes: list[float], costs: list[float], limit: float) -> Knee | None:
    """The earliest size at which a fit over the points reaches `limit`; None when none
    does."""
    crossings = [
        Knee(size, fit) for fit in fits(sizes, costs) if (size := fit.reaching(limit)) is not None
    ]
    return min(crossings, key=lambda k: k.size, default=None)
