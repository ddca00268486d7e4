"""Blind A/B evaluation: the A/B file, its decisions, the unblinded report, the judge, pairs."""
