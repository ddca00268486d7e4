"""The review TUI (Textual): build it with :func:`curate.review.tui.app.create_app`."""
