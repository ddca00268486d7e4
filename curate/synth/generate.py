"""`curate synth` as a library call: options → plan → lock → guard → (dry run | run) → result.

A run (not a dry run) holds the workspace lock (``curate.store.lock``) from before the
guard counts the workspace until its last record is stored, so two synth commands never
overlap: the second refuses at once naming the first (pid, command, start time), or
waits up to ``lock_wait`` seconds for it. The guard and the budget therefore see every
record and every dollar of the run they govern.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curate.errors import UsageError
from curate.providers.base import PROVIDERS, ConnectFailed, get_provider
from curate.providers.keys import mask_url, mask_urls
from curate.providers.pricing import PriceTable
from curate.providers.retry import RetryPolicy
from curate.records import Record
from curate.store.lock import WorkspaceBusy
from curate.synth.budget import Budget
from curate.synth.dedupe import WorkspaceIndex
from curate.synth.guard import RatioCheck, check_ratio, count_usable
from curate.synth.ledger import Ledger
from curate.synth.plan import Plan, usable_for_pairs
from curate.synth.quality import HardChecks
from curate.synth.runner import Runner, RunStats
from curate.synth.template import DIFFICULTIES, load_template
from curate.tokens import prompt_token_bound

if TYPE_CHECKING:
    from curate.workspace import Workspace

KINDS = ("sft", "preference")
PRICE_FILE = "the shipped price table, curate/providers/prices.toml"


@dataclass
class SynthOptions:
    """The knobs of `curate synth` (None means: from curate.toml or the default)."""

    topic: str | None = None
    n: int = 20
    kind: str = "sft"
    provider: str | None = None
    model: str | None = None
    base_url: str | None = None
    difficulties: tuple[str, ...] = DIFFICULTIES
    template: str | None = None
    concurrency: int = 8
    rpm: float | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    max_requests: int | None = None
    timeout: float = 120.0
    max_retries: int = 6
    dry_run: bool = False
    fresh: bool = False
    allow_over_ratio: bool = False
    pairs_from_sft: bool = False
    api_key: str | None = field(default=None, repr=False)
    retry: RetryPolicy | None = None
    lock_wait: float = 0.0  # seconds to wait for another command holding the workspace
    command: str | None = None  # how the holder of the workspace lock is named

    def __post_init__(self) -> None:
        mask_url(self.base_url)  # its secrets (user:password, ?api-key=) are scrubbed from now on

    def check(self) -> None:
        if self.n < 1:
            raise UsageError("-n must be at least 1.")
        if self.kind not in KINDS:
            raise UsageError(f"Unknown kind '{self.kind}'.", "Use --kind sft or --kind preference.")
        if self.provider is not None and self.provider not in PROVIDERS:
            raise UsageError(
                f"Unknown provider '{self.provider}'.", f"Use one of: {', '.join(PROVIDERS)}."
            )
        bad = [d for d in self.difficulties if d not in DIFFICULTIES]
        if bad or not self.difficulties:
            raise UsageError(
                f"Unknown difficulty '{(bad or [''])[0]}'.", f"Use {', '.join(DIFFICULTIES)}."
            )
        if not self.pairs_from_sft and not (self.topic and self.topic.strip()):
            raise UsageError("Give a topic with --topic (or use --pairs-from-sft).")
        if self.concurrency < 1:
            raise UsageError("--concurrency must be at least 1.")
        if self.max_cost is not None and self.max_cost <= 0:
            raise UsageError("--max-cost must be a positive number of dollars.")
        if self.lock_wait < 0:
            raise UsageError("--wait must be a number of seconds, 0 or more.")


@dataclass
class SynthResult:
    """What `curate synth` did (or, for a dry run, would do)."""

    plan: Plan
    signature: str
    generation: int
    base: int
    ratio: RatioCheck | None
    stats: RunStats | None = None
    dry_run: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.stats is None:
            return 0
        if self.stats.stopped == "unreachable":
            return 2
        return 0 if self.stats.counted >= self.stats.target else 1

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plan": self.signature,
            "generation": self.generation,
            "provider": self.plan.provider,
            "model": self.plan.model,
            "kind": self.plan.kind,
            "template": self.plan.template.label,
            "topic": self.plan.topic,
            "difficulties": list(self.plan.difficulties),
        }
        if self.ratio is not None:
            out["ratio"] = {
                "real": self.ratio.real,
                "synthetic": self.ratio.synthetic,
                "requested": self.ratio.requested,
                "share_after": round(self.ratio.share_after, 4),
                "max_share": self.ratio.max_share,
            }
        if self.dry_run is not None:
            out["dry_run"] = self.dry_run
        if self.notes:
            out["notes"] = self.notes
        if self.stats is not None:
            out.update(self.stats.to_dict())
            out["record_ids"] = self.stats.record_ids
        return out


def provider_settings(
    settings: Any, options: SynthOptions
) -> tuple[str, str, str | None, str | None]:
    """Provider name, model, base URL and key variable: options first, then curate.toml."""
    name = options.provider or ("openai-compatible" if options.base_url else "anthropic")
    section = getattr(settings.providers, "anthropic" if name == "anthropic" else "openai", None)
    model = options.model or (section.model if section else None)
    base_url = options.base_url or (section.base_url if section else None)
    key_env = section.api_key_env if section else None
    if name == "openai-compatible" and not options.base_url and not base_url:
        raise UsageError(
            "The openai-compatible provider needs a server address.",
            "Pass --base-url (for example http://localhost:8000/v1).",
        )
    if not model:
        raise UsageError(f"No model for {name}.", "Pass --model or set it in curate.toml.")
    return name, model, base_url, key_env


def synthesize(
    workspace: Workspace,
    options: SynthOptions,
    on_update: Callable[[RunStats], None] | None = None,
) -> SynthResult:
    """Generate ``options.n`` synthetic records into the workspace (pending review)."""
    options.check()
    settings = workspace.settings
    name, model, base_url, key_env = provider_settings(settings, options)
    mask_url(base_url)  # a secret in curate.toml's base_url is scrubbed from all output too
    kind = "preference" if options.pairs_from_sft else options.kind
    template = load_template(options.template, "pairs" if options.pairs_from_sft else kind)
    store = workspace.store
    sources: list[Record] = []
    if options.pairs_from_sft:
        sources = [
            r for r in store.iter_records(["kind=sft", "state!=rejected"]) if usable_for_pairs(r)
        ]
        if not sources:
            raise UsageError(
                "The workspace has no SFT records with a prompt and a plain-text answer to pair.",
                "Import or generate SFT records first.",
            )
    plan = Plan(
        provider=name,
        model=model,
        kind=kind,
        template=template,
        topic=None if options.pairs_from_sft else options.topic.strip() if options.topic else None,
        difficulties=tuple(dict.fromkeys(options.difficulties)),
        max_tokens=options.max_tokens,
        sources=sources,
    )
    prices = PriceTable.load(getattr(settings, "prices", None))
    lock = None
    if not options.dry_run:
        command = options.command or _command(options)
        try:
            lock = workspace.lock(command).acquire(options.lock_wait, reentrant=True)
        except WorkspaceBusy as exc:
            exc.fix = "Let it finish (or stop it), or pass --wait SECONDS to queue behind it."
            raise
    try:
        ledger = Ledger.for_workspace(workspace.state_dir)
        try:
            return _synthesize(
                workspace, options, plan, ledger, prices, name, base_url, key_env, on_update
            )
        finally:
            ledger.close()
    finally:
        if lock is not None:
            lock.release()


def _synthesize(
    workspace: Workspace,
    options: SynthOptions,
    plan: Plan,
    ledger: Ledger,
    prices: PriceTable,
    name: str,
    base_url: str | None,
    key_env: str | None,
    on_update: Callable[[RunStats], None] | None,
) -> SynthResult:
    signature = plan.signature
    base, generation = ledger.peek_base(signature, options.fresh)
    # -n is the plan's total: records of earlier generations count (--fresh tops up to -n)
    prior = ledger.counted_before(signature, base)
    done = prior + ledger.counted(signature, base)
    need = max(0, options.n - done)
    real, synthetic = count_usable(workspace.store)
    max_share = workspace.settings.max_synthetic_share
    ratio = RatioCheck(real, synthetic, need, max_share)
    if not options.allow_over_ratio:
        check_ratio(real, synthetic, need, max_share)
    if options.dry_run:
        return SynthResult(
            plan,
            signature,
            generation,
            base,
            ratio,
            dry_run=_dry_run(
                plan, ledger, prices, base, max(0, options.n - prior), options.max_cost
            ),
        )
    if options.max_cost is not None and prices.price_for(plan.model) is None:
        in_settings = "prices" in type(workspace.settings).model_fields
        table, where = ("prices", "curate.toml") if in_settings else ("models", PRICE_FILE)
        raise UsageError(
            f"--max-cost needs the price of '{plan.model}', which is not in the price table.",
            f'Add [{table}."{plan.model}"] with input and output (dollars per million tokens) '
            f"to {where}.",
        )
    checker = HardChecks(workspace.settings.rubric_path(workspace.root) or "default")
    provider = get_provider(
        name,
        plan.model,
        base_url=base_url,
        api_key_env=key_env,
        api_key=options.api_key,
        timeout=options.timeout,
        max_retries=options.max_retries,
        rpm=options.rpm,
        retry=options.retry,
    )
    # a --fresh with nothing left to make starts no new generation
    base, generation = ledger.plan_base(signature, plan.spec(), options.fresh and need > 0)
    need_here = max(0, options.n - prior)  # records wanted from this generation
    run_id = ledger.start_run(signature, _args(options), provider.key_fingerprint)
    index = WorkspaceIndex(workspace.store, ledger, workspace.settings.dedupe)
    runner = Runner(
        plan=plan,
        ledger=ledger,
        store=workspace.store,
        index=index,
        provider=provider,
        prices=prices,
        budget=Budget(options.max_cost),
        base=base,
        target=options.n,
        max_requests=options.max_requests or need_here + max(5, need_here // 2),
        concurrency=options.concurrency,
        run_id=run_id,
        prior=prior,
        checker=checker,
        on_update=on_update,
    )
    status = "interrupted"
    try:
        stats = asyncio.run(_run(runner, provider))
        status = stats.stopped or "done"
    finally:
        s = runner.stats
        ledger.finish_run(
            run_id,
            status,
            s.message,
            {
                "sent": s.sent,
                "failed": s.failed,
                "input_tokens": s.input_tokens,
                "output_tokens": s.output_tokens,
                "cost": s.cost,
            },
        )
    stats.attempts = getattr(provider, "attempts", stats.attempts)
    if stats.stopped == "unreachable" and isinstance(stats.error, ConnectFailed):
        raise stats.error  # one sentence naming the address, exit 2
    notes = [checker.problem] if checker.problem else []
    return SynthResult(plan, signature, generation, base, ratio, stats=stats, notes=notes)


async def _run(runner: Runner, provider: Any) -> RunStats:
    try:
        return await runner.run()
    finally:
        await provider.aclose()


def _dry_run(
    plan: Plan,
    ledger: Ledger,
    prices: PriceTable,
    base: int,
    n: int,
    budget: float | None = None,
) -> dict[str, Any]:
    """The first ``n`` requests of the plan, which are already answered, and the cost.

    With a ``budget`` (``--max-cost``), ``within_budget`` counts the requests to send whose
    worst-case costs fit in it, reserved in order as a real run reserves them.
    """
    price = prices.price_for(plan.model)
    requests = []
    to_send = 0
    max_cost = 0.0
    input_tokens = 0
    reserve = Budget(budget)
    fits = 0
    for idx in range(base, base + n):
        item = plan.item(idx)
        entry = ledger.get(item.key)
        reuse = entry is not None and not entry.needs_send
        prompt = item.request.messages[0]["content"]
        chars = len(prompt) + len(item.request.system or "")
        if not reuse:
            to_send += 1
            input_tokens += prompt_token_bound(chars)
            worst = prices.max_cost(plan.model, chars, item.request.max_tokens) or 0.0
            max_cost += worst
            if fits == to_send - 1 and reserve.reserve(worst):  # a run stops at the first misfit
                fits += 1
        requests.append(
            {"index": idx, "key": item.key, "answered": reuse, **item.meta, "prompt": prompt}
        )
    return {
        "requests": requests,
        "system": plan.template.system,
        "to_send": to_send,
        "already_answered": n - to_send,
        "estimated_input_tokens": input_tokens,
        "max_output_tokens": to_send * plan.tokens,
        "estimated_max_cost": None if price is None else round(max_cost, 4),
        "price": None if price is None else {"input": price.input, "output": price.output},
        "max_cost": budget,
        "within_budget": None if budget is None or price is None else fits,
        "note": "Requests that fail or repeat existing records are replaced by more requests.",
    }


def _args(options: SynthOptions) -> dict[str, Any]:
    """The options worth recording with the run (never the key)."""
    out: dict[str, Any] = {}
    for key, value in vars(options).items():
        if key == "api_key" or value is None or value is False:
            continue
        if key == "command":
            continue
        if key == "base_url":
            value = mask_url(value)
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _command(options: SynthOptions) -> str:
    """The command line of this process (URLs masked), or a summary of the options."""
    import shlex
    import sys

    if sys.argv and "curate" in sys.argv[0] and "synth" in sys.argv[1:]:
        text = shlex.join(["curate", *sys.argv[1:]])
    else:
        what = ["--pairs-from-sft"] if options.pairs_from_sft else ["--topic", options.topic or ""]
        text = shlex.join(["curate", "synth", *what, "-n", str(options.n)])
    return mask_urls(text)
