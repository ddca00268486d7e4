"""too_long: a chat-formatted example's token count (``curate.tokens.TokenCounter``) against its
target's limit."""

from __future__ import annotations

from typing import Any, ClassVar

from curate.checks.base import Finding, RecordCheck
from curate.records import Record


class TooLongCheck(RecordCheck):
    """too_long: the formatted example has more tokens than the target allows."""

    name: ClassVar[str] = "tokens"
    pillar = "format"
    codes = ("too_long",)

    def check(self, record: Record, profile: Any) -> list[Finding]:
        tokens, limit = profile.tokens, profile.token_limit
        if tokens is None or limit is None or tokens <= limit:
            return []
        return [Finding("too_long", detail=f"{tokens:,} tokens; the target allows {limit:,}.")]


CHECKS = [TooLongCheck]
