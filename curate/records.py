"""The canonical record: one pydantic model family every stage shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import xxhash
from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
Kind = Literal["sft", "preference", "unpaired"]
Origin = Literal["real", "synthetic"]
ROLES: frozenset[str] = frozenset({"system", "user", "assistant", "tool"})


class FunctionCall(BaseModel):
    """The function part of a tool call: a name and JSON-encoded arguments."""

    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: str = "{}"


class ToolCall(BaseModel):
    """One tool call made by an assistant turn (OpenAI shape)."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Role
    content: str | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    weight: Literal[0, 1] | None = Field(
        default=None, description="Training weight of an assistant turn (OpenAI `weight`)."
    )


class Provenance(BaseModel):
    """Where a record came from: a file row or a generator request."""

    model_config = ConfigDict(extra="forbid")
    origin: Origin = "real"
    source_file: str | None = None
    source_line: int | None = Field(default=None, description="1-based line or row number.")
    source_format: str | None = None
    importer: str | None = None
    importer_version: str | None = None
    imported_at: str | None = None
    generator_provider: str | None = None
    generator_model: str | None = None
    template: str | None = None
    prompt_hash: str | None = None
    request_id: str | None = None
    created_at: str | None = None


class Record(BaseModel):
    """A training example in canonical form.

    - ``sft``: ``messages`` is the whole conversation, ending with an assistant turn.
    - ``preference``: ``messages`` is the shared prompt; ``chosen`` and ``rejected`` are the
      two continuations (assistant turns, possibly with tool turns).
    - ``unpaired``: ``messages`` is prompt plus completion; ``label`` says desirable or not (KTO).

    ``text`` marks a plain-text example (prompt/completion strings rather than a chat); the
    turns are still stored as one user and one assistant message.
    """

    model_config = ConfigDict(extra="forbid")
    id: str = ""
    kind: Kind = "sft"
    messages: list[Message] = Field(default_factory=list)
    chosen: list[Message] | None = None
    rejected: list[Message] | None = None
    label: bool | None = None
    text: bool = False
    tools: list[dict[str, Any]] | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance = Field(default_factory=Provenance)
    parent_id: str | None = None

    def model_post_init(self, __context: Any) -> None:
        if not self.id:
            # what ``self.id = ...`` does, minus pydantic's per-call setattr overhead (hot path)
            self.__dict__["id"] = content_id(self)
            self.__pydantic_fields_set__.add("id")

    # convenience views -------------------------------------------------------------
    def prompt_messages(self) -> list[Message]:
        """The turns before the final answer (the whole prompt for preference records)."""
        if self.kind == "preference":
            return self.messages
        msgs = self.messages
        end = len(msgs)
        while end and msgs[end - 1].role == "assistant":
            end -= 1
        return msgs[:end]

    def answer_messages(self) -> list[Message]:
        """The final assistant turn(s): the chosen side for preference records."""
        if self.kind == "preference":
            return self.chosen or []
        return self.messages[len(self.prompt_messages()) :]

    def system(self) -> str | None:
        """The system prompt, if the conversation starts with one."""
        if self.messages and self.messages[0].role == "system":
            return self.messages[0].content
        return None


def _message_key(m: Message) -> list[Any]:
    d = m.__dict__  # plain dict reads: this runs for every message of every record read
    calls = d["tool_calls"]
    calls = [[c.id, c.function.name, c.function.arguments] for c in calls] if calls else None
    return [d["role"], d["content"], d["name"], calls, d["tool_call_id"], d["weight"]]


def content_key(record: Record) -> list[Any]:
    """The parts of a record that make its identity (not tags, meta or provenance)."""
    return [
        record.kind,
        record.text,
        [_message_key(m) for m in record.messages],
        None if record.chosen is None else [_message_key(m) for m in record.chosen],
        None if record.rejected is None else [_message_key(m) for m in record.rejected],
        record.label,
        record.tools,
    ]


def content_id(record: Record) -> str:
    """A stable content hash: the same example always gets the same id.

    >>> r = Record(messages=[Message(role="user", content="hi"), Message(role="assistant", content="yo")])
    >>> r.id == Record(messages=r.messages, tags={"category": "x"}).id
    True
    >>> len(r.id)
    20
    """
    blob = orjson.dumps(content_key(record), option=orjson.OPT_SORT_KEYS)
    return xxhash.xxh3_128_hexdigest(blob)[:20]


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_version(record: Record, **changes: Any) -> Record:
    """An edited copy of ``record`` with a fresh id that points at its parent."""
    data = record.model_dump()
    data.update(changes)
    data["id"] = ""
    data["parent_id"] = record.id
    return Record.model_validate(data)


class Reject(BaseModel):
    """An input row that did not become a record: kept with its reason, never dropped."""

    model_config = ConfigDict(extra="forbid")
    source: str
    line: int | None = Field(default=None, description="1-based line (JSONL) or row number.")
    code: str
    message: str
    raw: str = Field(description="The row as it was read (decoded with replacement if needed).")
