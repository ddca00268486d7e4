"""Model answers (structured JSON) to canonical records; a failure names its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from curate.records import Message, Provenance, Record

if TYPE_CHECKING:
    from curate.synth.plan import Plan, PlanItem


def _schema(fields: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: {"type": "string"} for name in fields},
        "required": fields,
        "additionalProperties": False,
    }


# The JSON each template kind asks for (sent as the provider's structured-output schema).
SCHEMAS: dict[str, dict[str, Any]] = {
    "sft": _schema(["prompt", "answer"]),
    "preference": _schema(["prompt", "chosen", "rejected", "flaw_note"]),
    "pairs": _schema(["rejected", "flaw_note"]),
}

# Why an answer did not become a record (kept in the ledger with the raw text).
FAILURES = {
    "truncated": "the answer hit the token limit before it was complete",
    "refusal": "the model refused or returned no text",
    "not_json": "the answer is not a JSON object",
    "wrong_structure": "the JSON lacks a required field or has the wrong types",
    "empty_field": "a required field is empty",
    "same_answers": "the chosen and rejected answers are the same",
}


class ParseFailure(Exception):
    """An answer that cannot become a record: a code from FAILURES and a sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Output(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _not_empty(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and not value and info.field_name != "flaw_note":
            raise ValueError("empty")
        return value


class SftOutput(_Output):
    prompt: str
    answer: str


class PreferenceOutput(_Output):
    prompt: str
    chosen: str
    rejected: str
    flaw_note: str = ""


class PairOutput(_Output):
    rejected: str
    flaw_note: str = ""


OUTPUTS: dict[str, type[_Output]] = {
    "sft": SftOutput,
    "preference": PreferenceOutput,
    "pairs": PairOutput,
}

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON object in an answer: the whole text, a fenced block, or the outermost braces."""
    candidates = [text]
    fenced = _FENCE.match(text)
    if fenced:
        candidates.append(fenced.group(1))
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return orjson.loads(candidate)
        except orjson.JSONDecodeError:
            continue
    raise ParseFailure("not_json", "The answer is not a JSON object.")


def parse_output(kind: str, text: str, stop_reason: str | None = None) -> _Output:
    """Validate an answer's JSON against the template kind's output model."""
    if stop_reason in ("max_tokens", "length"):
        raise ParseFailure("truncated", "The answer hit the token limit before it was complete.")
    if not text.strip():
        raise ParseFailure("refusal", "The model returned no text.")
    data = extract_json(text)
    if not isinstance(data, dict):
        raise ParseFailure("not_json", "The answer is JSON but not an object.")
    try:
        output = OUTPUTS[kind].model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the object"
        if first["type"] == "value_error":
            raise ParseFailure("empty_field", f"The field '{where}' is empty.") from None
        raise ParseFailure(
            "wrong_structure",
            f"The answer's JSON is not as asked: '{where}' {first['msg'].lower()}.",
        ) from None
    chosen = getattr(output, "chosen", None)
    if chosen is not None and chosen == getattr(output, "rejected", None):
        raise ParseFailure("same_answers", "The chosen and rejected answers are identical.")
    return output


@dataclass(frozen=True)
class Answer:
    """Where an answer came from, for the record's provenance."""

    key: str
    provider: str
    model: str
    template: str
    request_id: str | None
    created_at: str | None


def to_record(plan: Plan, item: PlanItem, output: _Output, answer: Answer) -> Record:
    """The canonical record for a parsed answer (synthetic, pending review)."""
    provenance = Provenance(
        origin="synthetic",
        generator_provider=answer.provider,
        generator_model=answer.model,
        template=answer.template,
        prompt_hash=answer.key,
        request_id=answer.request_id,
        created_at=answer.created_at,
    )
    meta = item.meta
    tags = {k: str(meta[k]) for k in ("difficulty",) if meta.get(k)}
    if meta.get("category") or meta.get("topic"):
        tags["category"] = str(meta.get("category") or meta.get("topic"))
    if isinstance(output, SftOutput):
        return Record(
            kind="sft",
            messages=[
                Message(role="user", content=output.prompt),
                Message(role="assistant", content=output.answer),
            ],
            tags=tags,
            meta={"synth_angle": meta.get("angle")},
            provenance=provenance,
        )
    flaw_meta = {"rejected_flaw": meta.get("flaw"), "rejected_flaw_note": output.flaw_note}
    if isinstance(output, PreferenceOutput):
        return Record(
            kind="preference",
            messages=[Message(role="user", content=output.prompt)],
            chosen=[Message(role="assistant", content=output.chosen)],
            rejected=[Message(role="assistant", content=output.rejected)],
            tags=tags,
            meta={"synth_angle": meta.get("angle"), **flaw_meta},
            provenance=provenance,
        )
    assert isinstance(output, PairOutput)
    source = plan.source(meta["source_id"])
    if source is None:
        raise ParseFailure("wrong_structure", "The SFT record this pair was made from is gone.")
    chosen = source.answer_messages()
    if (chosen[-1].content or "").strip() == output.rejected:
        raise ParseFailure("same_answers", "The rejected answer repeats the chosen one.")
    return Record(
        kind="preference",
        messages=[m.model_copy() for m in source.prompt_messages()],
        chosen=[m.model_copy() for m in chosen],
        rejected=[Message(role="assistant", content=output.rejected)],
        tags={**source.tags, **tags},
        meta={"pair_of": source.id, **flaw_meta},
        provenance=provenance,
    )
