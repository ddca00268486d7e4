"""Suite-wide test settings: hypothesis without per-example deadlines.

The suite runs on shared, often loaded machines (two cores, other jobs); a deadline there
measures the neighbours, not the code. Speed goals are benchmarks in bench/, not test limits.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "curate", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("curate")
