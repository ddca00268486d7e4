"""Consistency within each scope and group: answer style, answer language, and the system prompt."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import ClassVar

from curate.checks.base import DatasetCheck, DatasetFinding, DatasetResult, Finding
from curate.checks.profile import Profile

STYLE_FEATURES = {
    "headings": "Markdown headings",
    "lists": "a list",
    "code": "a code block",
    "table": "a table",
    "emoji": "emoji",
    "exclaim": "exclamations",
}


def scope_label(scope: tuple[str | None, ...], group: str | None = None, tag: str | None = None) -> str:
    """How a scope (and a group in it) is named in findings: ``alpaca_en.json · sft · category=x``.

    >>> scope_label(("data/a.jsonl", "sft"), "coding", "category")
    'data/a.jsonl · sft · category=coding'
    >>> scope_label(())
    'all records'
    """
    parts = [v for v in scope if v]
    if group is not None:
        parts.append(f"{tag}={group}" if tag else group)
    return " · ".join(parts) or "all records"


class ConsistencyCheck(DatasetCheck):
    """style_outlier, language_mismatch and system_prompt_varies, each per record.

    Records are compared only within their scope (the rubric's ``scope``: the same source
    file and kind by default), so one file's findings do not depend on what else the
    workspace holds. Within a scope, each group (records sharing the ``group_by`` tag) of
    at least ``min_group`` records is judged for style: a feature (headings, lists, code,
    tables, emoji, exclamations) held by at least ``majority`` of the group is its norm, and
    so is its absence; an answer whose length is ``length_factor`` times off the median
    deviates too. ``min_deviations`` deviations make a style outlier.

    ``language_mismatch`` judges each answer against its own record (the ``language`` tag,
    else its prompt's language; see ``Profile.language_issue``), never against a majority: a
    Chinese share of an English dataset is not a mismatch.

    ``system_prompt_varies`` is for datasets meant to train one system prompt: when one
    prompt is shared by ``system_prompt_majority`` of a group (or of its scope, for a small
    group), a record with another prompt or none departs from it. Having a system prompt
    where most records have none is not a finding.
    """

    name: ClassVar[str] = "consistency"
    pillar = "consistency"
    codes = ("style_outlier", "language_mismatch", "system_prompt_varies")
    per_record = True

    def check(self, profiles: list[Profile]) -> DatasetResult:
        result = DatasetResult()
        scopes: dict[tuple[str | None, ...], list[Profile]] = defaultdict(list)
        for p in profiles:
            scopes[p.scope].append(p)
        o = self.options
        varied_sys: Counter[str] = Counter()
        n_groups = 0
        for p in profiles:  # judged against the record's own prompt or tag, not a majority
            if p.language_issue:
                _add(result, p, "language_mismatch", p.language_issue)
        for scope, in_scope in scopes.items():
            wide = len(in_scope) >= o.min_group
            scope_sys = _majority([p.system for p in in_scope], o.system_prompt_majority, allow_none=True) if wide else None
            groups: dict[str | None, list[Profile]] = defaultdict(list)
            for p in in_scope:
                groups[p.group if o.group_by else None].append(p)
            n_groups += len(groups)
            for key, members in groups.items():
                label = scope_label(scope, key if o.group_by else None, o.group_by)
                big = len(members) >= o.min_group
                if big:
                    self._style(members, label, result)
                sys_norm = (
                    _majority([p.system for p in members], o.system_prompt_majority, allow_none=True)
                    if big
                    else scope_sys
                )
                if sys_norm is None or sys_norm[0] is None:
                    continue  # no shared prompt to depart from
                for p in members:
                    if p.system != sys_norm[0]:
                        varied_sys[label] += 1
                        _add(result, p, "system_prompt_varies", _sys_detail(p, sys_norm, label))
        if varied_sys:
            total = sum(varied_sys.values())
            where_ = ", ".join(f"{g}: {n}" for g, n in varied_sys.most_common(5))
            result.findings.append(
                DatasetFinding(
                    "system_prompt_varies",
                    f"{total} record{'s' if total != 1 else ''} use{'' if total != 1 else 's'} a system prompt "
                    f"other than their group's shared one ({where_}).",
                    value=total,
                )
            )
        distinct = len({p.system for p in profiles if p.system is not None})
        result.metrics = {"scopes": len(scopes), "groups": n_groups, "distinct_system_prompts": distinct}
        return result

    def _style(self, members: list[Profile], scope: str, result: DatasetResult) -> None:
        o = self.options
        n = len(members)
        shares = {f: sum(getattr(p, f) for p in members) / n for f in STYLE_FEATURES}
        median = max(1.0, statistics.median(p.words for p in members))
        for p in members:
            why: list[str] = []
            for f, label in STYLE_FEATURES.items():
                has = getattr(p, f)
                if shares[f] >= o.majority and not has:
                    why.append(f"no {label} ({shares[f]:.0%} of the group has)")
                elif shares[f] <= 1 - o.majority and has:
                    why.append(f"{label} ({shares[f]:.0%} of the group has)")
            if p.words * o.length_factor < median or p.words > median * o.length_factor:
                why.append(f"{p.words} words against a median of {median:.0f}")
            if len(why) >= o.min_deviations:
                _add(result, p, "style_outlier", f"In '{scope}': " + "; ".join(why) + ".")


def _majority(values: list, share: float, allow_none: bool = False) -> tuple[object, float] | None:
    """The most common value and its share, when it holds at least ``share``."""
    if not values:
        return None
    value, n = Counter(values).most_common(1)[0]
    if value is None and not allow_none:
        return None
    return (value, n / len(values)) if n / len(values) >= share else None


def _sys_detail(p: Profile, norm: tuple[object, float], label: str) -> str:
    if p.system is None:
        return f"It has no system prompt; {norm[1]:.0%} of '{label}' share one."
    return f"Its system prompt differs from the one {norm[1]:.0%} of '{label}' share."


def _add(result: DatasetResult, p: Profile, code: str, detail: str) -> None:
    result.record_findings.setdefault(p.index, []).append(Finding(code, detail=detail))


CHECKS = [ConsistencyCheck]
