"""Prompt templates: TOML files shipped in synth/templates/ that users copy and edit."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from curate.errors import UsageError

DIFFICULTIES = ("beginner", "intermediate", "advanced")
FLAWS = ("incomplete", "wrong", "off_format")
KINDS = ("sft", "preference", "pairs")
BUILTIN = {"sft": "sft.toml", "preference": "preference.toml", "pairs": "pairs.toml"}
PLACEHOLDERS = (
    "topic",
    "difficulty",
    "difficulty_hint",
    "angle",
    "persona",
    "index",
    "flaw",
    "flaw_hint",
    "prompt",
    "answer",
)
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class Template:
    """A prompt template: a system text, a user text with placeholders and the lists that
    vary from request to request (angles, personas, difficulty hints, flaws)."""

    name: str
    kind: str
    system: str
    user: str
    digest: str
    source: str
    angles: tuple[str, ...] = ()
    personas: tuple[str, ...] = ()
    difficulty: dict[str, str] = field(default_factory=dict)
    flaws: dict[str, str] = field(default_factory=dict)
    max_tokens: int = 2048
    temperature: float = 0.8
    description: str = ""

    @property
    def label(self) -> str:
        """The name and a short hash of the file's text, as recorded in provenance."""
        return f"{self.name}@{self.digest}"

    def render(self, values: dict[str, Any]) -> str:
        """The user text with known placeholders filled (other braces kept)."""
        return render(self.user, values)


def render(text: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders that appear in ``values``; leave every other brace.

    >>> render('Write about {topic}: {"json": true}', {"topic": "Kafka"})
    'Write about Kafka: {"json": true}'
    """
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def load_template(ref: str | Path | None, kind: str) -> Template:
    """A shipped template by name (``sft``, ``preference``, ``pairs``) or a TOML file.

    ``ref`` None picks the shipped template for ``kind``.
    """
    if ref is None or str(ref) in BUILTIN:
        name = BUILTIN[str(ref) if ref is not None else kind]
        text = (
            resources.files("curate.synth").joinpath("templates").joinpath(name).read_text("utf-8")
        )
        source = f"builtin:{name}"
    else:
        path = Path(ref).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(
                f"The template '{ref}' does not exist.",
                f"Give a TOML file or one of the shipped names: {', '.join(BUILTIN)}.",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"The template '{ref}' cannot be read ({exc}).") from None
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"The template '{ref}' is not valid TOML ({exc}).") from None
    template = _build(data, text, source)
    if template.kind != kind:
        raise UsageError(
            f"The template '{template.name}' is for kind '{template.kind}', not '{kind}'.",
            f"Use a template written for {kind}, or omit --template.",
        )
    return template


def _build(data: dict[str, Any], text: str, source: str) -> Template:
    def need(key: str, typ: type) -> Any:
        value = data.get(key)
        if not isinstance(value, typ) or (isinstance(value, str) and not value.strip()):
            raise UsageError(
                f"The template {source} needs a non-empty '{key}' ({typ.__name__}).",
                "Start from a copy of a shipped template in curate/synth/templates/.",
            )
        return value

    kind = need("kind", str)
    if kind not in KINDS:
        raise UsageError(
            f"The template {source} has kind '{kind}'.", f"Use one of: {', '.join(KINDS)}."
        )
    template = Template(
        name=need("name", str),
        kind=kind,
        system=need("system", str),
        user=need("user", str),
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest()[:8],
        source=source,
        angles=tuple(str(a) for a in data.get("angles") or ()),
        personas=tuple(str(p) for p in data.get("personas") or ()),
        difficulty={str(k): str(v) for k, v in (data.get("difficulty") or {}).items()},
        flaws={str(k): str(v) for k, v in (data.get("flaws") or {}).items()},
        max_tokens=int(data.get("max_tokens", 2048)),
        temperature=float(data.get("temperature", 0.8)),
        description=str(data.get("description", "")),
    )
    if kind != "pairs" and not template.angles:
        raise UsageError(f"The template {source} needs a non-empty list 'angles'.")
    if kind in ("preference", "pairs"):
        missing = [f for f in FLAWS if f not in template.flaws]
        if missing:
            raise UsageError(
                f"The template {source} lacks a [flaws] entry for: {', '.join(missing)}."
            )
    return template
