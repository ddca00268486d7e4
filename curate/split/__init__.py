"""Leakage-free train/validation/test splits: seeded, stratified, with a frozen test set.

>>> from curate.split import Ratios
>>> Ratios.parse("0.8,0.1,0.1").as_dict()
{'train': 0.8, 'validation': 0.1, 'test': 0.1}
"""

from __future__ import annotations

from curate.split.assign import Plan, Unit, plan_split
from curate.split.ratios import SPLITS, Ratios
from curate.split.run import SplitResult, split_workspace

__all__ = ["SPLITS", "Plan", "Ratios", "SplitResult", "Unit", "plan_split", "split_workspace"]
