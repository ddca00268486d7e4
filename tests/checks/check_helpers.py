"""Builders for crafted records and a way to run one check on them."""

from __future__ import annotations

from typing import Any

from curate.checks.profile import ProfileContext, profile_record
from curate.checks.rubric import Rubric, load_rubric
from curate.records import Message, Record

RUBRIC = load_rubric()
PROSE = (
    "A consumer group shares the partitions of a topic among its members, so each partition "
    "is read by exactly one consumer and offsets are committed for the whole group."
)


def chat(user: str = "What is a consumer group?", answer: str | None = PROSE, system: str | None = None, **kw: Any) -> Record:
    messages = [Message(role="system", content=system)] if system else []
    messages.append(Message(role="user", content=user))
    if answer is not None:
        messages.append(Message(role="assistant", content=answer))
    return Record(messages=messages, **kw)


def turns(*pairs: tuple[str, str | None], **kw: Any) -> Record:
    return Record(messages=[Message(role=r, content=c) for r, c in pairs], **kw)


def run_check(check_cls: type, record: Record, rubric: Rubric = RUBRIC) -> list[str]:
    """The codes one record check reports for ``record``."""
    options = getattr(rubric.checks, check_cls.name)
    profile = profile_record(0, record, ProfileContext())
    return sorted(f.code for f in check_cls(options, rubric).check(record, profile) if not f.passed)


def details(check_cls: type, record: Record, rubric: Rubric = RUBRIC) -> list[str]:
    options = getattr(rubric.checks, check_cls.name)
    profile = profile_record(0, record, ProfileContext())
    return [f.detail for f in check_cls(options, rubric).check(record, profile)]
