"""The headless review core: only the app imports Textual."""

from __future__ import annotations

import subprocess
import sys


def test_the_queue_session_and_cli_import_without_textual() -> None:
    code = (
        "import sys\n"
        "import curate.review.queue, curate.review.session, curate.review.stats\n"
        "import curate.review.audit, curate.review.edit_text, curate.cli.review, curate.cli.main\n"
        "print(sorted(m for m in ('textual', 'textual_plotext') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
