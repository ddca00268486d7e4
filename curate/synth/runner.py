"""The async engine of a synth run: bounded concurrency, budget, ledger first, then records.

Each planned request goes through: ledger lookup (an answer already bought is reused, a
paid failure is never re-bought) → budget reservation → ``sent`` → provider (retries and
rate limit inside) → raw answer stored (``answered``) → parse → checks → dedupe → store →
``parsed``. Workers keep taking the next request number until ``target`` records count.

The budget holds every request in flight at its worst case (prompt estimate at the input
price, ``max_tokens`` at the output price) and settles it to the answer's cost when it
returns. A request that does not fit waits while others are in flight (their settled costs
are usually far below their reservations) and stops the run only when nothing is in flight
and it still does not fit. An answer whose usage cannot be read is charged its worst case.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curate.providers.base import (
    ConnectFailed,
    MalformedResponse,
    NonRetryableError,
    Provider,
    ProviderError,
    QuotaExhausted,
    TransientError,
)
from curate.providers.pricing import PriceTable, dollars
from curate.records import Record
from curate.synth.budget import Budget
from curate.synth.dedupe import WorkspaceIndex
from curate.synth.ledger import Entry, Ledger
from curate.synth.parse import Answer, ParseFailure, parse_output, to_record
from curate.synth.plan import Plan, PlanItem
from curate.tokens import prompt_token_bound

if TYPE_CHECKING:
    from curate.store import Store

FATAL_STATUS = (401, 403, 404)
FLUSH_EVERY_S = 0.1  # how often new records are written to the store, in one transaction
Checker = Callable[[list[Record]], list[list[str]]]


@dataclass
class RunStats:
    """What a run did, updated live (the progress bar reads it)."""

    target: int
    counted: int = 0
    prior: int = 0  # records of the plan's earlier generations (they count towards target)
    new: int = 0
    reused: int = 0
    sent: int = 0
    attempts: int = 0
    failed: int = 0
    duplicates: int = 0
    check_failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)
    usage_estimated: Counter[str] = field(default_factory=Counter)
    resendable: int = 0  # failed requests that a re-run of the same command sends again
    record_ids: list[str] = field(default_factory=list)
    stopped: str | None = None
    message: str = ""
    advice: str = ""
    error: ProviderError | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "counted": self.counted,
            "prior": self.prior,
            "new": self.new,
            "reused": self.reused,
            "sent": self.sent,
            "attempts": self.attempts,
            "failed": self.failed,
            "duplicates": self.duplicates,
            "check_failed": self.check_failed,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": round(self.cost, 6),
            "failures": dict(self.failures),
            "usage_estimated": dict(self.usage_estimated),
            "resendable": self.resendable,
            "stopped": self.stopped,
            "message": self.message,
            "advice": self.advice,
        }


class Runner:
    """Runs one plan from request number ``base`` until ``target`` records count."""

    def __init__(
        self,
        *,
        plan: Plan,
        ledger: Ledger,
        store: Store,
        index: WorkspaceIndex,
        provider: Provider,
        prices: PriceTable,
        budget: Budget,
        base: int,
        target: int,
        max_requests: int,
        concurrency: int,
        run_id: int,
        prior: int = 0,
        checker: Checker | None = None,
        on_update: Callable[[RunStats], None] | None = None,
    ) -> None:
        self.plan = plan
        self.ledger = ledger
        self.store = store
        self.index = index
        self.provider = provider
        self.prices = prices
        self.budget = budget
        self.base = base
        self.limit = base + max_requests
        self.concurrency = max(1, concurrency)
        self.run_id = run_id
        self.checker = checker
        self.on_update = on_update
        self.stats = RunStats(target=target, counted=prior, prior=prior)
        self._answered = 0  # answers bought by this run
        self._next = base
        self._inflight = 0
        self._cond: asyncio.Condition | None = None
        self._wake: asyncio.Event | None = None
        self._closing = False
        self._pending: list[tuple[str, Record]] = []
        self._write_error: Exception | None = None
        self._warm: asyncio.Task[None] | None = None

    # scheduling -------------------------------------------------------------------------
    async def run(self) -> RunStats:
        self._cond = asyncio.Condition()
        self._wake = asyncio.Event()
        warm = getattr(self.checker, "warm", None)
        if warm is not None:  # load the checks (and a tokenizer) while the first requests fly
            self._warm = asyncio.create_task(asyncio.to_thread(warm))
        writer = asyncio.create_task(self._writer())
        try:
            await asyncio.gather(*(self._worker() for _ in range(self.concurrency)))
        finally:
            self._closing = True
            self._wake.set()
            await writer
        if self._write_error is not None:
            raise self._write_error
        s = self.stats
        if s.stopped is None and s.counted < s.target:
            s.stopped = "exhausted"
            s.message = (
                f"Only {s.counted} of {s.target} records after {self._next - self.base} "
                "planned requests; the rest failed or repeated existing records."
            )
        s.advice = advice(s)
        return s

    def _done(self) -> bool:
        return (
            self.stats.stopped is not None
            or self.stats.counted >= self.stats.target
            or self._next >= self.limit
        )

    async def _worker(self) -> None:
        assert self._cond is not None
        while True:
            async with self._cond:
                await self._cond.wait_for(
                    lambda: self._done() or self.stats.counted + self._inflight < self.stats.target
                )
                if self._done():
                    return
                idx = self._next
                self._next += 1
                self._inflight += 1
            outcome = "failed"
            try:
                outcome = await self._process(self.plan.item(idx))
            finally:
                async with self._cond:
                    self._inflight -= 1
                    if outcome == "counted":
                        self.stats.counted += 1
                    self._cond.notify_all()
            self._update()

    # storing ----------------------------------------------------------------------------
    async def _writer(self) -> None:
        """Store counted records in batches (one transaction each), then mark them parsed.

        A record is marked ``parsed`` only once the store holds it; a run killed before
        that leaves the answer ``answered`` and the next run parses it again.
        """
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_EVERY_S)
            self._wake.clear()
            batch, self._pending = self._pending, []
            try:
                await self._flush(batch)
            except Exception as exc:  # the answers stay in the ledger as answered
                self._write_error = exc
                self._stop("store", f"The workspace store could not be written: {exc}")
                return
            if self._closing and not self._pending:
                return

    async def _flush(self, batch: list[tuple[str, Record]]) -> None:
        if not batch:
            return
        records = [r for _, r in batch]
        await asyncio.to_thread(self.store.add_records, records)
        self.index.persist(records)
        self.ledger.mark_counted([(key, r.id) for key, r in batch])

    def _update(self) -> None:
        if self.on_update is not None:
            self.on_update(self.stats)

    def _stop(self, reason: str, message: str, error: ProviderError | None = None) -> None:
        if self.stats.stopped is None:
            self.stats.stopped = reason
            self.stats.message = message
            self.stats.error = error

    # one request ------------------------------------------------------------------------
    async def _process(self, item: PlanItem) -> str:
        entry = self.ledger.get(item.key)
        if entry is not None and not entry.needs_send:
            return await self._replay(item, entry)
        if self.stats.stopped is not None:
            return "skipped"
        entry = await self._send(item)
        if entry is None:
            return "failed" if self.stats.stopped is None else "skipped"
        return await self._finish(item, entry)

    async def _replay(self, item: PlanItem, entry: Entry) -> str:
        """An answer bought earlier: reuse its outcome, or parse it if that never happened."""
        if entry.status == "answered":
            self.stats.reused += 1
            return await self._finish(item, entry)
        if entry.paid_failure:
            kind = entry.error_kind
            self._fail("malformed" if kind == "malformed" else f"parse:{_code(entry.error)}")
            return "failed"
        self.stats.reused += 1
        if entry.outcome == "counted" and entry.record_id:
            self.stats.record_ids.append(entry.record_id)
            return "counted"
        self.stats.failures[entry.outcome or "unknown"] += 1
        if entry.outcome == "duplicate":
            self.stats.duplicates += 1
        elif entry.outcome == "check_failed":
            self.stats.check_failed += 1
        return entry.outcome or "failed"

    async def _reserve(self, amount: float) -> bool:
        """Hold ``amount`` of the budget, waiting while requests in flight may free some."""
        assert self._cond is not None
        async with self._cond:
            while True:
                if self.stats.stopped is not None:
                    return False
                if self.budget.reserve(amount):
                    return True
                if self.budget.reserved <= 1e-12:  # nothing in flight will give any back
                    return False
                await self._cond.wait()

    async def _budget_changed(self) -> None:
        assert self._cond is not None
        async with self._cond:
            self._cond.notify_all()

    async def _send(self, item: PlanItem) -> Entry | None:
        request = item.request
        prompt_chars = sum(len(m["content"]) for m in request.messages) + len(request.system or "")
        worst = self.prices.max_cost(request.model, prompt_chars, request.max_tokens)
        reserve = worst or 0.0
        if not await self._reserve(reserve):
            if self.stats.stopped is None:
                self._stop(
                    "budget",
                    f"Not sending more: the budget of {dollars(self.budget.limit or 0)} is "
                    f"nearly spent ({dollars(self.budget.spent)} spent; the next request could "
                    f"cost up to {dollars(reserve)}).",
                )
            return None
        try:
            return await self._send_reserved(item, prompt_chars, worst, reserve)
        finally:
            await self._budget_changed()

    async def _send_reserved(
        self, item: PlanItem, prompt_chars: int, worst: float | None, reserve: float
    ) -> Entry | None:
        request = item.request
        self.ledger.mark_sent(
            item.key,
            self.plan.signature,
            item.idx,
            request.to_dict(),
            item.meta,
            self.plan.template.label,
            self.plan.kind,
            self.run_id,
        )
        self.stats.sent += 1
        try:
            response = await self.provider.complete(request)
        except MalformedResponse as exc:
            self._answered += 1  # the server is there and charged for it
            self.budget.settle(reserve, None)
            self.ledger.mark_failed(
                item.key, "malformed", exc.message, raw=exc.raw_text, request_id=exc.request_id
            )
            self._fail("malformed")
            return None
        except QuotaExhausted as exc:
            self.budget.release(reserve)
            self.ledger.mark_failed(item.key, "quota", exc.message)
            self._fail("quota", resendable=True)
            self._stop("quota", exc.message, exc)
            return None
        except ConnectFailed as exc:
            self.budget.release(reserve)
            self.ledger.mark_failed(item.key, "transport", exc.message)
            self._fail("connect", resendable=True)
            if not self._answered:  # nothing ever answered: most likely a wrong address
                self._stop("unreachable", exc.message, exc)
            return None
        except (TransientError, NonRetryableError) as exc:
            self.budget.release(reserve)
            kind = "http" if exc.status else "transport"
            self.ledger.mark_failed(item.key, kind, exc.message, request_id=exc.request_id)
            self._fail(f"http_{exc.status}" if exc.status else "transport", resendable=True)
            if isinstance(exc, NonRetryableError) and exc.status in FATAL_STATUS:
                self._stop("fatal", str(exc), exc)
            return None
        self._answered += 1
        input_tokens, output_tokens = response.input_tokens, response.output_tokens
        if response.usage_error:  # unreadable usage: charge the worst case
            self.stats.usage_estimated[response.usage_error] += 1
            input_tokens, output_tokens = prompt_token_bound(prompt_chars), request.max_tokens
            cost = worst
        else:
            cost = self.prices.cost(request.model, input_tokens, output_tokens)
        self.budget.settle(reserve, cost)
        self.stats.attempts += response.attempts
        self.stats.input_tokens += input_tokens
        self.stats.output_tokens += output_tokens
        self.stats.cost += cost or 0.0
        self.ledger.mark_answered(
            item.key,
            raw=response.raw_text,
            text=response.text,
            request_id=response.request_id,
            response_model=response.model,
            stop_reason=response.stop_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost=cost,
            attempts=response.attempts,
            usage=response.usage_error,
        )
        return self.ledger.get(item.key)

    async def _finish(self, item: PlanItem, entry: Entry) -> str:
        """Parse, check, dedupe and store an answered request."""
        answer = Answer(
            key=item.key,
            provider=self.plan.provider,
            model=entry.response_model or self.plan.model,
            template=self.plan.template.label,
            request_id=entry.request_id,
            created_at=entry.answered_at,
        )
        try:
            output = parse_output(self.plan.template.kind, entry.text or "", entry.stop_reason)
            record = to_record(self.plan, item, output, answer)
        except ParseFailure as exc:
            self.ledger.mark_failed(item.key, "parse", f"{exc.code}: {exc.message}")
            self._fail(f"parse:{exc.code}")
            return "failed"
        if self.checker is not None:
            if self._warm is not None:
                await self._warm
            codes = self.checker([record])[0]
            if codes:
                self.ledger.mark_parsed(item.key, "check_failed", record.id, ", ".join(codes))
                self.stats.check_failed += 1
                self.stats.failures.update(f"check:{c}" for c in codes)
                return "check_failed"
        verdict, existing = self.index.classify(record)
        if verdict == "duplicate":
            self.ledger.mark_parsed(item.key, "duplicate", existing, f"repeats record {existing}")
            self.stats.duplicates += 1
            self.stats.failures["duplicate"] += 1
            return "duplicate"
        if verdict == "new":
            self.index.add(record)  # claimed now, so a concurrent twin is a duplicate
            self._pending.append((item.key, record))
            self.stats.new += 1
        else:  # this very record is stored already (a run died before marking it)
            self.ledger.mark_parsed(item.key, "counted", record.id)
        self.stats.record_ids.append(record.id)
        return "counted"

    def _fail(self, code: str, resendable: bool = False) -> None:
        self.stats.failed += 1
        self.stats.failures[code] += 1
        if resendable:
            self.stats.resendable += 1


def advice(s: RunStats) -> str:
    """What will help a run that stopped short of its target (empty when it did not)."""
    if s.stopped is None:
        return ""
    if s.stopped == "budget":
        return "Re-run with a higher --max-cost to continue; answers already bought are reused."
    if s.error is not None and s.error.fix:
        return s.error.fix
    if s.stopped != "exhausted":
        return "Re-run the same command to continue; answers already bought are reused."
    if s.resendable:
        return (
            f"Re-run the same command to send the {s.resendable} failed requests again; "
            "answers already bought are reused."
        )
    return (
        "Re-running the same command sends nothing: every planned request is answered in the "
        "ledger. Pass --fresh to ask for new samples (it tops up to -n), or change --topic "
        "or --difficulty."
    )


def _code(error: str | None) -> str:
    return (error or "unknown").split(":", 1)[0]
