"""The openai-jsonl fast path: a JSON line's bytes validated straight into a Record.

pydantic-core parses and validates a line's bytes in one pass, without building the parsed
dict first. An openai-jsonl row ``{"messages": [...], "tools": [...]}`` is already valid
Record JSON, so for the common row this gives the same Record as ``orjson.loads`` followed by
``OpenAIChat.parse``, in less time. It answers only when it can be sure of that; otherwise it
returns None and the caller takes the normal path, so results and reason codes never change.

When it answers None (the normal path decides):

- the line is not valid JSON for a Record under strict validation: wrong types, a content
  list, the ``function`` role or ``function_call``, extra keys in a message or tool call, a
  tool call ``type`` other than ``function``, an integer beyond 64 bits in ``tools``;
- a top-level key other than ``messages`` and ``tools`` (``id``, ``meta``, ``kind``, ...:
  the normal path keeps those in ``meta``), or ``"tools": null``;
- a message the normal path would reject or rewrite: no content and no tool calls, blank
  content outside a tool-call or system turn, an empty ``tool_calls`` list, a ``weight``
  of ``true`` or ``false`` (a literal 0 or 1 would take them as 0 and 1), or ``1.0``;
- no assistant turn;
- ``NaN``, ``Infinity`` or a float too large for a double anywhere in ``tools`` (orjson
  rejects those lines as invalid JSON, pydantic-core reads them as floats).

The records are equal field for field (``model_dump()``), with the same id, the same
top-level ``model_fields_set`` and a fresh default provenance. Only the set-fields of messages
and tool calls may differ (``"name": null`` or a tool call's ``"type"`` count as set here and
not there), which nothing reads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator

from curate.records import Message, Provenance, Record

# The top-level keys an openai-jsonl row holds; every other Record field is refused.
ROW_KEYS = ("messages", "tools")
_PROBE = b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]'

Validate = Callable[..., Any]


def _model_fields(schema: dict[str, Any], cls: type) -> dict[str, Any] | None:
    """The ``fields`` of ``cls``'s model schema inside Record's core schema, or None."""
    candidates = [schema, *schema.get("definitions", ())]
    if schema.get("type") == "definitions":
        candidates.append(schema["schema"])
    for node in candidates:
        if node.get("type") == "model" and node.get("cls") is cls:
            inner = node.get("schema", {})
            return inner.get("fields") if inner.get("type") == "model-fields" else None
    return None


def _inner(field: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ``kind`` schema under a field's default and nullable wrappers ({} if not there)."""
    node = field.get("schema", {})
    while node.get("type") in ("default", "nullable"):
        node = node.get("schema", {})
    return node if node.get("type") == kind else {}


def _build(keys: tuple[str, ...]) -> Validate | None:
    """A JSON validator that builds genuine Records from openai-jsonl lines, strictly.

    It works on a copy of Record's core schema, changed so that it refuses what the normal
    path would treat differently: every Record field but ``keys`` answers to a key no JSON can
    hold (so ``"id"`` or ``"meta"`` in a line is an extra key, which Record forbids); a
    message ``weight`` must be the integer 0 or 1 (not ``true``, which a literal 0 or 1
    accepts); ``tool_calls`` must not be empty; ``tools`` may be absent but not null. The default provenance is built by
    ``fresh_provenance``. pydantic-core would reuse the models' own validators for a schema
    naming them as complete models, so Record and Message are marked incomplete for the
    moment the copy is built.
    """
    schema = copy.deepcopy(Record.__pydantic_core_schema__)
    fields = _model_fields(schema, Record)
    message = _model_fields(schema, Message)
    if fields is None or message is None or not set(keys) <= set(fields):
        return None
    for name, field in fields.items():
        if name not in keys:
            field["validation_alias"] = f"\x00not-a-json-key:{name}"
    weight = _inner(message.get("weight", {}), "literal")
    calls = _inner(message.get("tool_calls", {}), "list")
    tools = fields.get("tools", {}).get("schema", {})
    if (
        weight.get("expected") != [0, 1]
        or not calls
        or tools.get("type") != "default"
        or tools.get("schema", {}).get("type") != "nullable"
    ):
        return None
    weight.clear()
    weight.update({"type": "int", "strict": True, "ge": 0, "le": 1})
    calls["min_length"] = 1
    tools["schema"] = tools["schema"]["schema"]  # absent is None, but null is refused
    default = fields.get("provenance", {}).get("schema", {})
    if default.get("default_factory") is Provenance:
        default["default_factory"] = fresh_provenance
    models = (Record, Message)
    if any(cls.__dict__.get("__pydantic_complete__") is not True for cls in models):
        return None
    try:
        for cls in models:
            cls.__pydantic_complete__ = False
        validate = SchemaValidator(schema).validate_json  # type: ignore[arg-type]
    except Exception:
        return None
    finally:
        for cls in models:
            cls.__pydantic_complete__ = True
    return validate if _works(validate, keys) else None


_DEFAULT_PROVENANCE = Provenance().__dict__
_new = Provenance.__new__
_set = object.__setattr__


def fresh_provenance() -> Provenance:
    """What ``Provenance()`` gives (every field at its default, none set), built in half the time."""
    prov = _new(Provenance)
    _set(prov, "__dict__", _DEFAULT_PROVENANCE.copy())
    _set(prov, "__pydantic_fields_set__", set())
    _set(prov, "__pydantic_extra__", None)
    _set(prov, "__pydantic_private__", None)
    return prov


def _works(validate: Validate, keys: tuple[str, ...]) -> bool:
    """The built validator gives the same Record as Record itself and refuses other keys."""
    expected = Record(
        messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
    )
    try:
        got, again = validate(_PROBE + b"}", strict=True), validate(_PROBE + b"}", strict=True)
    except ValidationError:
        return False
    if (
        type(got) is not Record
        or got != expected
        or got.model_fields_set != expected.model_fields_set
        or got.provenance.model_fields_set
        or got.provenance is again.provenance  # a fresh default each time, never shared
    ):
        return False
    refused = [
        (_PROBE + b',"' + name.encode() + b'":null}', "extra_forbidden")
        for name in Record.model_fields
        if name not in keys
    ]
    refused += [
        (_PROBE.replace(b'"a"}', b'"a","weight":true}') + b"}", "int_type"),
        (_PROBE.replace(b'"a"}', b'"a","tool_calls":[]}') + b"}", "too_short"),
        (_PROBE + b',"tools":null}', "list_type"),
    ]
    for line, code in refused:
        try:
            validate(line, strict=True)
        except ValidationError as exc:
            if exc.errors()[0].get("type") == code:
                continue
        return False
    return True


@cache
def row_validator() -> Validate | None:
    """The validator for openai-jsonl lines (None when this pydantic cannot build one)."""
    return _build(ROW_KEYS)


def _unavailable(line: bytes, strict: bool) -> Any:
    raise ValueError("no fast path")


def _first_use(line: bytes, strict: bool) -> Any:
    """Builds the validator on first use (not at import), then steps out of the way."""
    global _validate
    _validate = row_validator() or _unavailable
    return _validate(line, strict=strict)


_validate: Validate = _first_use


def _finite(value: Any) -> bool:
    """No NaN or infinite float anywhere in a parsed JSON list or object."""
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is str:
            continue
        if kind is dict or kind is list:
            if not _finite(item):
                return False
        elif kind is float and item - item != 0.0:  # inf - inf and nan - nan are nan
            return False
    return True


def parse_openai_line(line: bytes) -> Record | None:
    """The Record ``OpenAIChat.parse(orjson.loads(line))`` returns, or None when unsure."""
    try:
        record = _validate(line, strict=True)
    except Exception:  # ValidationError, or a value the content id cannot encode
        return None
    values = record.__dict__
    tools = values["tools"]
    if tools is not None and not _finite(tools):
        return None
    messages = values["messages"]
    for message in messages:
        m = message.__dict__
        content = m["content"]
        # parse wants text unless the turn calls tools; a system turn may be blank
        if (
            (not content or content.isspace())
            and m["tool_calls"] is None
            and (content is None or m["role"] != "system")
        ):
            return None
    if messages and messages[-1].__dict__["role"] == "assistant":  # the common case
        return record
    for message in messages:
        if message.__dict__["role"] == "assistant":
            return record
    return None
