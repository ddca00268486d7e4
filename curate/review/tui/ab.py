"""The blind A/B review: two answers side by side as "Left" and "Right", a key per verdict.

Which model wrote which answer is never shown; each verdict is unblinded and committed to the
decision store before the next item shows. Undo takes back this session's last verdict.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from curate.ab.abfile import ABItem, file_key, read_ab
from curate.ab.decisions import DecisionStore, decisions_path, new_session
from curate.errors import UsageError
from curate.inert import inert
from curate.settings import ABKeys, ReviewKeys

# action -> (footer label, help); verdict keys come from [review.ab_keys], the rest from
# [review.keys] (next, previous, undo, quit).
VERDICTS = {
    "left": "Left better",
    "right": "Right better",
    "tie": "Tie",
    "both_bad": "Both bad",
}
NAVIGATION = {"next": "Next", "previous": "Prev", "undo": "Undo", "quit": "Quit"}
ALL_DECIDED = "Every item has a verdict. Press p to look back, u to undo, q to quit."

CSS = """
#ab-header { height: auto; background: $panel; padding: 0 1; }
#ab-prompt { height: auto; max-height: 12; padding: 0 1; background: $boost; }
#ab-pair { height: 1fr; }
.ab-side { width: 1fr; padding: 0 1; border: round $primary; }
"""


def ab_keymap(keys: ABKeys, nav: ReviewKeys) -> dict[str, str]:
    """Binding ids -> keys; a usage error when a verdict key is also a navigation key."""
    verdict = {f"ab.{name}": str(getattr(keys, name)) for name in VERDICTS}
    moves = {f"ab.{name}": str(getattr(nav, name)) for name in NAVIGATION}
    clash = set(verdict.values()) & set(moves.values())
    if clash:
        raise UsageError(
            f"The A/B key {sorted(clash)[0]!r} is also a review key.",
            "Pick other keys under [review.ab_keys] in curate.toml.",
        )
    return verdict | moves


class ABScreen(Screen):
    """One item at a time: the prompt, then Left | Right."""

    BINDINGS = [
        *(
            Binding(key, name, label, id=f"ab.{name}")
            for name, label, key in (
                ("left", VERDICTS["left"], "1"),
                ("right", VERDICTS["right"], "2"),
                ("tie", VERDICTS["tie"], "t"),
                ("both_bad", VERDICTS["both_bad"], "b"),
            )
        ),
        *(
            Binding(key, name, label, id=f"ab.{name}")
            for name, label, key in (
                ("next", "Next", "n"),
                ("previous", "Prev", "p"),
                ("undo", "Undo", "u"),
                ("quit", "Quit", "q"),
            )
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="ab-header")
        yield Static(id="ab-prompt")
        with Horizontal(id="ab-pair"):
            with VerticalScroll(classes="ab-side"):
                yield Static(id="ab-left")
            with VerticalScroll(classes="ab-side"):
                yield Static(id="ab-right")
        yield Footer()

    @property
    def ab(self) -> ABReviewApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        app = self.ab
        item = app.current
        decided = len(app.decided)
        header = f"A/B review · {decided}/{len(app.items)} decided · this session {app.made}"
        if item is None:
            self.query_one("#ab-header", Static).update(Text(header))
            self.query_one("#ab-prompt", Static).update(Text(ALL_DECIDED))
            self.query_one("#ab-left", Static).update("")
            self.query_one("#ab-right", Static).update("")
            app.shown(None)
            return
        verdict = app.decided.get(item.id)
        state = f" · your verdict: {VERDICTS[verdict]}" if verdict else ""
        where = f"item {app.index + 1} of {len(app.items)} ({inert(item.id)})"
        if item.category:
            where += f" · category {inert(item.category)}"
        self.query_one("#ab-header", Static).update(Text(f"{header} · {where}{state}"))
        self.query_one("#ab-prompt", Static).update(Text(inert(item.prompt_text())))
        for position in ("left", "right"):
            body = Text(position.capitalize() + "\n", style="bold")
            body.append(inert(item.shown(position) or "(empty answer)"))
            self.query_one(f"#ab-{position}", Static).update(body)
        app.shown(item.id)

    def _verdict(self, verdict: str) -> None:
        if self.ab.decide(verdict):
            self.show()

    def action_left(self) -> None:
        self._verdict("left")

    def action_right(self) -> None:
        self._verdict("right")

    def action_tie(self) -> None:
        self._verdict("tie")

    def action_both_bad(self) -> None:
        self._verdict("both_bad")

    def action_next(self) -> None:
        self.ab.move(1)
        self.show()

    def action_previous(self) -> None:
        self.ab.move(-1)
        self.show()

    def action_undo(self) -> None:
        undone = self.ab.undo()
        if undone is None:
            self.notify("Nothing to undo in this session.")
            return
        self.notify(f"Undid your verdict on {inert(undone)}.", markup=False)
        self.show()

    def action_quit(self) -> None:
        self.app.exit()


class ABReviewApp(App[None]):
    """The blind review of one A/B file; verdicts go to ``store`` (committed at once)."""

    CSS = CSS
    TITLE = "curate review --ab"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        items: list[ABItem],
        store: DecisionStore,
        reviewer: str,
        keymap: dict[str, str],
    ) -> None:
        super().__init__()
        self.items = items
        self.store = store
        self.reviewer = reviewer
        self.session = new_session()
        self._keymap = keymap
        self.decided = {d.item_id: d.verdict for d in store.latest("human").values()}
        self.made = 0
        self.last_shown: str | None = None
        first = self._next_undecided(-1)
        self.index = first if first is not None else len(items)

    @property
    def current(self) -> ABItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def on_mount(self) -> None:
        self.set_keymap(self._keymap)
        self.push_screen(ABScreen())

    def shown(self, item_id: str | None) -> None:
        self.last_shown = item_id

    def _next_undecided(self, after: int) -> int | None:
        n = len(self.items)
        for step in range(1, n + 1):
            index = (after + step) % n
            if self.items[index].id not in self.decided:
                return index
        return None

    def decide(self, verdict: str) -> bool:
        """Store a verdict on the current item, then move to the next undecided one."""
        item = self.current
        if item is None:
            return False
        self.store.record(item, verdict, self.reviewer, "human", self.session)
        self.decided[item.id] = verdict
        self.made += 1
        following = self._next_undecided(self.index)
        self.index = following if following is not None else len(self.items)
        return True

    def move(self, step: int) -> None:
        if self.index >= len(self.items):
            self.index = len(self.items) - 1 if step < 0 else self.index
            return
        self.index = max(0, min(len(self.items) - 1, self.index + step))

    def undo(self) -> str | None:
        """Take back this session's last verdict and show that item; its id, or None."""
        undone = self.store.undo_last(self.session)
        if undone is None:
            return None
        self.made -= 1
        latest = self.store.latest("human").get(undone.item_id)
        if latest is None:
            self.decided.pop(undone.item_id, None)
        else:
            self.decided[undone.item_id] = latest.verdict
        self.index = next(i for i, it in enumerate(self.items) if it.id == undone.item_id)
        return undone.item_id

    def on_unmount(self) -> None:
        self.store.close()


def create_ab_app(
    ab_file: str | Path,
    *,
    reviewer: str | None = None,
    decisions: str | Path | None = None,
    start: str | Path | None = None,
) -> ABReviewApp:
    """The blind A/B review of ``ab_file``. Decisions go to ``decisions`` (default: the
    workspace around ``start`` or the current folder, else ``FILE.decisions.sqlite``); keys and
    reviewer come from that workspace's settings when there is one."""
    from curate.settings import ReviewSettings
    from curate.workspace import find_workspace

    items = read_ab(ab_file)
    settings = ReviewSettings()
    try:
        with find_workspace(start) as ws:
            settings = ws.settings.review
    except UsageError:  # no workspace: the defaults
        pass
    keymap = ab_keymap(settings.ab_keys, settings.keys)
    path = Path(decisions) if decisions else decisions_path(ab_file, start)
    store = DecisionStore(path, file_key(items))
    return ABReviewApp(items, store, reviewer or settings.reviewer, keymap)
