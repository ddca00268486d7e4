"""The real:synthetic guard: synth may not push the synthetic share over the limit."""

from __future__ import annotations

from dataclasses import dataclass

from curate import synthetic_share
from curate.errors import UsageError
from curate.store.usable import USABLE_STATES


class RatioExceeded(UsageError):
    """The request would push the workspace's synthetic share over the limit."""


@dataclass(frozen=True)
class RatioCheck:
    """The counts behind a guard decision (records that can still be exported)."""

    real: int
    synthetic: int
    requested: int
    max_share: float

    @property
    def share_after(self) -> float:
        total = self.real + self.synthetic + self.requested
        return synthetic_share.share(self.synthetic + self.requested, total)

    @property
    def allowed(self) -> bool:
        return self.requested <= self.fits_now

    @property
    def fits_now(self) -> int:
        """How many more synthetic records fit under the limit now."""
        return max(0, synthetic_share.allowed_synthetic(self.real, self.max_share) - self.synthetic)

    @property
    def real_needed(self) -> int | None:
        """How many more real records would make room for the request (None: never)."""
        need = synthetic_share.real_needed(self.synthetic + self.requested, self.max_share)
        return None if need is None else max(0, need - self.real)

    def message(self) -> str:
        return (
            f"Generating {self.requested} synthetic records would make the workspace "
            f"{self.share_after:.0%} synthetic, over the limit of {self.max_share:.0%} "
            f"({self.real} real, {self.synthetic} synthetic now)."
        )

    def fix(self) -> str:
        options = []
        if self.fits_now:
            options.append(f"ask for at most {self.fits_now} (-n {self.fits_now})")
        needed = self.real_needed
        if needed is not None:
            options.append(f"import {needed} more real records first")
        options.append("pass --allow-over-ratio (export still enforces the limit)")
        text = "; ".join(options)
        return text[0].upper() + text[1:] + "."


def count_usable(store: object) -> tuple[int, int]:
    """Real and synthetic records that can still be exported (pending or approved)."""
    real = synthetic = 0
    for state in USABLE_STATES:
        real += store.count(["origin=real", f"state={state}"])  # type: ignore[attr-defined]
        synthetic += store.count(["origin=synthetic", f"state={state}"])  # type: ignore[attr-defined]
    return real, synthetic


def check_ratio(real: int, synthetic: int, requested: int, max_share: float) -> RatioCheck:
    """Raise RatioExceeded (with how many fit now / how many real records are needed)."""
    check = RatioCheck(real, synthetic, requested, max_share)
    if requested > 0 and not check.allowed:
        raise RatioExceeded(check.message(), check.fix())
    return check
