"""Snapshots of the main screens (pytest-textual-snapshot): review of a chat, a pair, the dashboard.

Regenerate after an intended change with ``pytest tests/review --snapshot-update`` and look at
the SVGs under ``__snapshots__`` before committing them.
"""

from __future__ import annotations

from pathlib import Path

from review_helpers import settle

from curate.review.tui.app import create_app


def test_review_screen_with_a_chat(ws_path: Path, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(create_app(ws_path), terminal_size=(130, 40), run_before=settle)


def test_review_screen_with_a_preference_pair(ws_path: Path, snap_compare) -> None:  # noqa: ANN001
    app = create_app(ws_path, search="idempotent")
    assert snap_compare(app, terminal_size=(130, 40), run_before=settle)


def test_dashboard(ws_path: Path, snap_compare) -> None:  # noqa: ANN001
    async def open_dashboard(pilot) -> None:  # noqa: ANN001
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(create_app(ws_path), terminal_size=(150, 45), run_before=open_dashboard)
