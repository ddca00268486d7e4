"""The synthetic share and its limit: one share, one tolerance, one room calculation.

A share is ``synthetic / total`` (0.0 for no records). It is over a limit when it exceeds the
limit by more than ``TOLERANCE`` (one billionth): the slack absorbs the floating-point error
of the division and of a decimal limit such as 0.30, so 30 synthetic of 100 records is within
a 30% limit, and 3 of 10 too. A limit of 1 (or within the tolerance of it) admits any share.
The default limit lives in ``curate.settings`` (``max_synthetic_share``).
"""

from __future__ import annotations

import math

TOLERANCE = 1e-9
UNLIMITED = 10**18  # what ``allowed_synthetic`` answers when the limit admits any share

# The reason code of a share over the limit (the checklist's readiness finding).
REASON = "synthetic_share_over_limit"
# The code train's preflight has always written into preflight.json for the same refusal;
# kept so that saved reports and the scripts that read them keep matching.
PREFLIGHT_REASON = "synthetic_share"


def share(synthetic: int, total: int) -> float:
    """The synthetic share of ``total`` records (0.0 when there are none)."""
    return synthetic / total if total else 0.0


def share_over_limit(value: float, limit: float) -> bool:
    """Whether a share already computed (a manifest's) is over ``limit``."""
    return value > limit + TOLERANCE


def over_limit(synthetic: int, total: int, limit: float) -> bool:
    """Whether ``synthetic`` of ``total`` records is over ``limit`` (see the module docstring).

    >>> over_limit(30, 100, 0.30), over_limit(31, 100, 0.30), over_limit(0, 0, 0.0)
    (False, True, False)
    """
    return share_over_limit(share(synthetic, total), limit)


def allowed_synthetic(real: int, limit: float) -> int:
    """The most synthetic records that fit beside ``real`` real ones under ``limit``: the
    largest ``n`` with ``not over_limit(n, real + n, limit)`` (``UNLIMITED`` at a limit of 1).

    >>> allowed_synthetic(70, 0.30), allowed_synthetic(7, 0.30), allowed_synthetic(5, 0.0)
    (30, 3, 0)
    """
    bound = limit + TOLERANCE
    if bound >= 1:
        return UNLIMITED
    # n / (real + n) <= bound  <=>  n <= bound * real / (1 - bound); then settle float error.
    n = max(0, math.floor(bound * real / (1 - bound)))
    while n > 0 and over_limit(n, real + n, limit):
        n -= 1
    while not over_limit(n + 1, real + n + 1, limit):
        n += 1
    return n


def real_needed(synthetic: int, limit: float) -> int | None:
    """The fewest real records beside which ``synthetic`` ones are within ``limit``: the
    smallest ``r`` with ``not over_limit(synthetic, r + synthetic, limit)`` (None: at a limit
    of 0 no number of real records makes room for one synthetic record).

    >>> real_needed(35, 0.30), real_needed(0, 0.0), real_needed(1, 0.0)
    (82, 0, None)
    """
    if synthetic <= 0:
        return 0
    if limit <= 0:
        return None
    bound = limit + TOLERANCE
    # synthetic / (r + synthetic) <= bound  <=>  r >= synthetic (1 - bound) / bound.
    r = max(0, math.ceil(synthetic * (1 - bound) / bound))
    while over_limit(synthetic, r + synthetic, limit):
        r += 1
    while r > 0 and not over_limit(synthetic, r - 1 + synthetic, limit):
        r -= 1
    return r
