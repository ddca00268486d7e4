"""A hard budget in dollars: each request reserves its worst-case cost before it is sent."""

from __future__ import annotations


class Budget:
    """Spent plus reserved never exceeds ``limit`` (None: no limit, only accounting).

    >>> b = Budget(1.0)
    >>> b.reserve(0.6), b.reserve(0.6)
    (True, False)
    >>> b.settle(0.6, 0.2); b.reserve(0.6)
    True
    """

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0

    def reserve(self, amount: float) -> bool:
        """Hold ``amount`` for a request about to be sent; False when it would not fit."""
        if self.limit is not None and self.spent + self.reserved + amount > self.limit + 1e-12:
            return False
        self.reserved += amount
        return True

    def settle(self, reserved: float, actual: float | None) -> None:
        """Replace a reservation by what the request cost (the reservation when unknown)."""
        self.reserved = max(0.0, self.reserved - reserved)
        self.spent += reserved if actual is None else actual

    def release(self, reserved: float) -> None:
        """Give a reservation back (the request bought nothing)."""
        self.reserved = max(0.0, self.reserved - reserved)

    @property
    def left(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)
