"""Human review of a workspace: the lazy review queue, record views, edits and the decision log.

The queue, item loading, statistics and the edit text layout are plain Python over the
store; the Textual app lives in :mod:`curate.review.tui` and is imported only when used.
"""
