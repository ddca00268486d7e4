"""``split_workspace``: assign the workspace's records to train/validation/test and store it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curate.split.assign import Plan, Unit, plan_split
from curate.split.ratios import SPLITS, TEST_RANGE, Ratios
from curate.store.lock import exclusive
from curate.store.split_facts import Fact, load_clusters, load_facts, load_prompt_groups
from curate.store.usable import USABLE_STATES  # the others keep their split, unassigned

if TYPE_CHECKING:
    from curate.store import Store
    from curate.workspace import Workspace

NO_TAG = "(none)"
ALL = "(all)"


@dataclass
class SplitResult:
    """What a split did: counts per split and per stratum, and how many records moved."""

    ratios: Ratios
    seed: int
    stratify_by: str | None
    counts: dict[str, int]
    units: dict[str, int]
    strata: dict[str, dict[str, int]]
    new: int
    kept: int
    moved: int
    clusters: int
    skipped: dict[str, int]
    run_id: int | None
    warnings: list[str] = field(default_factory=list)
    same_prompt: int = 0  # groups of records sharing a prompt, each kept in one split
    # why a split asked to stratify by a tag did not (no record has the tag), else None
    not_stratified: str | None = None

    @property
    def stratified(self) -> bool:
        """Whether the records were actually dealt per stratum of ``stratify_by``."""
        return self.stratify_by is not None and self.not_stratified is None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        total = self.total
        return {
            "ratios": self.ratios.as_dict(),
            "seed": self.seed,
            "stratify_by": self.stratify_by,
            "stratified": self.stratified,
            "not_stratified": self.not_stratified,
            "total": total,
            "counts": self.counts,
            "shares": {s: round(n / total, 4) if total else 0.0 for s, n in self.counts.items()},
            "units": self.units,
            "strata": self.strata,
            "assigned": self.new,
            "kept": self.kept,
            "kept_existing": self.kept,
            "moved": self.moved,
            "clusters": self.clusters,
            "same_prompt_groups": self.same_prompt,
            "skipped": self.skipped,
            "run_id": self.run_id,
            "warnings": self.warnings,
        }


def _components(sets: list[list[str]]) -> list[list[str]]:
    """The connected components of overlapping sets of record ids (each sorted)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for members in sets:
        for m in members[1:]:
            a, b = find(members[0]), find(m)
            if a != b:
                parent[max(a, b)] = min(a, b)
        if members:
            find(members[0])
    found: dict[str, list[str]] = {}
    for x in parent:
        found.setdefault(find(x), []).append(x)
    return [sorted(g) for g in found.values()]


def build_units(
    facts: list[Fact],
    clusters: dict[str, Any],
    stratify: bool,
    reshuffle: bool = False,
    prompt_groups: dict[str, list[str]] | None = None,
) -> tuple[list[Unit], dict[str, str]]:
    """Units over the usable records (clusters as wholes) and each record's current split.

    Records sharing a prompt (``prompt_groups``, from the latest dedupe) join one unit with
    their clusters, so a prompt's pairs never straddle train and test. With ``reshuffle``
    only test assignments bind (the test split is frozen); train and validation records are
    dealt again.
    """
    by_id = {f.id: f for f in facts}
    existing = {f.id: f.split for f in facts if f.split}
    usable = {f.id for f in facts if f.state in USABLE_STATES}

    def prior_of(record_id: str) -> str | None:
        seen: set[str] = set()
        f = by_id.get(record_id)
        while f is not None and f.id not in seen:
            if f.split:
                return f.split if f.split == "test" or not reshuffle else None
            seen.add(f.id)
            f = by_id.get(f.parent_id) if f.parent_id else None
        return None

    def stratum(record_id: str) -> str:
        if not stratify:
            return ALL
        return by_id[record_id].tag or NO_TAG

    units: list[Unit] = []
    clustered: set[str] = set()
    groups = [list(c.members) for c in clusters.values()]
    groups += [list(g) for g in (prompt_groups or {}).values()]
    representatives = {c.representative for c in clusters.values() if c.representative}
    for group in _components(groups):
        clustered.update(group)
        members = [m for m in group if m in usable]
        if not members:
            continue
        reps = [m for m in members if m in representatives]
        key = reps[0] if reps else members[0]
        prior = {m: s for m in group if (s := prior_of(m))}
        units.append(Unit(key, members, stratum(key), prior))
    for f in facts:
        if f.id in usable and f.id not in clustered:
            split = prior_of(f.id)
            units.append(Unit(f.id, [f.id], stratum(f.id), {f.id: split} if split else {}))
    return units, existing


def settings_changed(before: dict[str, Any] | None, now: dict[str, Any]) -> list[str]:
    """Which of ratios, seed and stratification differ from the previous split's settings.

    >>> settings_changed({"ratios": {"train": 0.8}, "seed": 1, "stratify_by": None},
    ...                  {"ratios": {"train": 0.6}, "seed": 1, "stratify_by": "category"})
    ['ratios', 'stratification']
    >>> settings_changed(None, {"seed": 2})
    []
    """
    if not before:
        return []
    names = {"ratios": "ratios", "seed": "seed", "stratify_by": "stratification"}
    return [name for key, name in names.items() if key in before and before[key] != now.get(key)]


@exclusive("curate split")
def split_workspace(
    ws: Workspace,
    ratios: Ratios | None = None,
    seed: int | None = None,
    stratify_by: str | None = "",
    reshuffle: bool = False,
) -> SplitResult:
    """Split the workspace's usable records; existing assignments stay (test is frozen).

    Defaults come from ``curate.toml`` (``[split]``); ``stratify_by=None`` or ``"none"``
    turns stratification off, ``""`` means the setting. ``reshuffle`` deals train and
    validation again under the given settings; test keeps every record it has.
    """
    cfg = ws.settings.split
    ratios = ratios or Ratios(cfg.train, cfg.validation, cfg.test)
    seed = cfg.seed if seed is None else seed
    tag = stratify_tag(cfg.stratify_by, stratify_by)
    store = ws.store
    previous = store.latest_run("split")
    facts = load_facts(store, tag)
    _, clusters = load_clusters(store)
    prompt_groups = load_prompt_groups(store)
    units, existing = build_units(facts, clusters, tag is not None, reshuffle, prompt_groups)
    plan = plan_split(units, ratios, seed, existing)

    changed = {rid: s for rid, s in plan.assignments.items() if existing.get(rid) != s}
    meta = {"ratios": ratios.as_dict(), "seed": seed, "stratify_by": tag}
    run_id = _store_assignments(store, changed, meta)

    counts, strata = _tally(units, plan.assignments)
    skipped = {"rejected": 0, "edited": 0}
    for f in {f.id: f for f in facts}.values():
        if f.state in skipped:
            skipped[f.state] += 1
    warnings, not_stratified = _balance_warnings(ratios, tag, units, plan)
    changed_settings = settings_changed(previous.meta if previous else None, meta)
    warnings += _move_warnings(plan, changed, existing, changed_settings, reshuffle)
    return SplitResult(
        ratios=ratios,
        seed=seed,
        stratify_by=tag,
        counts=counts,
        units=plan.units,
        strata={k: strata[k] for k in sorted(strata)},
        new=plan.new,
        kept=plan.kept,
        moved=plan.moved,
        clusters=sum(1 for c in clusters.values() if len(c.members) > 1),
        skipped=skipped,
        run_id=run_id,
        warnings=warnings,
        not_stratified=not_stratified,
        same_prompt=len(prompt_groups),
    )


def stratify_tag(setting: str | None, given: str | None) -> str | None:
    """The tag to stratify by: ``given``, or the setting when ``given`` is ""; None for none.

    >>> stratify_tag("category", ""), stratify_tag("category", "topic")
    ('category', 'topic')
    >>> stratify_tag("category", None), stratify_tag("category", " None ")
    (None, None)
    """
    tag = setting if given == "" else given
    if tag is not None and tag.strip().lower() in ("", "none"):
        return None
    return tag


def _store_assignments(store: Store, changed: dict[str, str], meta: dict[str, Any]) -> int | None:
    """Record the changed assignments as one split run (test ones frozen); the run's id."""
    with store.run("split", meta) as run_id, store.transaction():
        test = [(rid, s) for rid, s in changed.items() if s == "test"]
        rest = [(rid, s) for rid, s in changed.items() if s != "test"]
        if test:
            store.put_splits(test, frozen=True, run_id=run_id)
        if rest:
            store.put_splits(rest, frozen=False, run_id=run_id)
        store.freeze_splits("test")
    return run_id


def _tally(
    units: list[Unit], assignments: dict[str, str]
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Records per split, overall and per stratum."""
    counts = dict.fromkeys(SPLITS, 0)
    strata: dict[str, dict[str, int]] = {}
    for u in units:
        for m in u.members:
            split = assignments[m]
            counts[split] += 1
            row = strata.setdefault(u.stratum, dict.fromkeys(SPLITS, 0))
            row[split] += 1
    return counts, strata


def _balance_warnings(
    ratios: Ratios, tag: str | None, units: list[Unit], plan: Plan
) -> tuple[list[str], str | None]:
    """Warnings about the ratios, a tag no record has and the test share; why not stratified."""
    warnings = [w for w in (ratios.test_warning(),) if w]
    not_stratified = None
    if tag is not None and units and all(u.stratum == NO_TAG for u in units):
        not_stratified = f"no record has a '{tag}' tag"
        warnings.append(
            f"No record has a '{tag}' tag, so the split is not stratified; "
            "pass --stratify with a tag the records have, or --stratify none."
        )
    total_units = sum(plan.units.values())
    if not warnings and total_units >= 20:
        share = plan.units["test"] / total_units
        slack = 1 / total_units + 1e-9  # rounding to whole records
        if not TEST_RANGE[0] - slack <= share <= TEST_RANGE[1] + slack:
            warnings.append(
                f"The test split holds {share:.0%} of the records (the frozen test set keeps "
                "what it had), outside the guide's 10-20%."
            )
    return warnings, not_stratified


def _move_warnings(
    plan: Plan,
    changed: dict[str, str],
    existing: dict[str, str],
    changed_settings: list[str],
    reshuffle: bool,
) -> list[str]:
    """Warnings about records moved into the frozen test split, and settings that apply only
    to records not assigned before."""
    warnings = []
    into_test = sum(1 for rid, s in changed.items() if s == "test" and rid in existing)
    if into_test:
        warnings.append(
            f"{into_test} records moved from train or validation into the frozen test split; "
            "adapters trained on earlier exports have seen them, so compare only new runs on it."
        )
    if plan.kept and changed_settings and not reshuffle:
        warnings.append(
            f"{plan.kept} records keep the split they already had (the test split is frozen), "
            f"so the new {' and '.join(changed_settings)} apply only to records not assigned "
            f"before ({plan.new} this time); --reshuffle deals train and validation again."
        )
    return warnings
