"""The review screen's key bindings and the keymap that `curate.toml` [review.keys] makes of them."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

# action name (as in [review.keys]) -> (default key, footer label, description for help)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "approve": ("a", "Approve", "Approve the record and move on."),
    "reject": ("r", "Reject", "Reject it, with a reason picked from a list or typed."),
    "edit": ("e", "Edit", "Edit its turns; saving stores a new version, the original stays."),
    "skip": ("s", "Skip", "Leave it for later: skipped records come after the rest."),
    "undo": ("u", "Undo", "Undo this session's last decision (kept as a new event)."),
    "next": ("n", "Next", "Show the next record without deciding."),
    "previous": ("p", "Prev", "Show the record before this one."),
    "search": ("/", "Search", "Search the text of the records in the queue."),
    "filters": ("f", "Filters", "Filter by state, origin, tag, failed check or cluster."),
    "swap": ("w", "Swap", "Preference pair: swap chosen and rejected (a new version)."),
    "dashboard": ("d", "Dashboard", "Counts, scores and lengths of the workspace."),
    "help": ("?", "Help", "Show every key."),
    "quit": ("q", "Quit", "Leave; every decision is already saved."),
}


def binding_id(action: str) -> str:
    return f"review.{action}"


def review_bindings() -> list[Binding]:
    """One binding per action, each with an id that the keymap can rebind."""
    return [
        Binding(key, action, label, id=binding_id(action), tooltip=help_text)
        for action, (key, label, help_text) in ACTIONS.items()
    ]


def keymap(keys: Any) -> dict[str, str]:
    """Binding ids -> keys: the settings' ``review.keys``, and the default key of every action
    they do not name. (Naming every binding keeps the footer in its usual order; Textual
    drops a default key that a configured action takes.)"""
    configured = {name: str(key) for name, key in dict(keys).items() if name in ACTIONS}
    taken = set(configured.values())
    out = {}
    for name, (default, _, _) in ACTIONS.items():
        key = configured.get(name, default)
        if name in configured or key not in taken:
            out[binding_id(name)] = key
    return out
