"""The library API, a façade: read, detect, write and convert files; run the workspace stages.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> src = os.path.join(folder, "chat.jsonl")
>>> _ = open(src, "w").write(
...     '{"messages": [{"role": "user", "content": "What is Kafka?"},'
...     ' {"role": "assistant", "content": "A distributed log."}]}\\n'
...     'not json\\n')
>>> result = read_all(src)
>>> len(result.records), [r.code for r in result.rejects], result.detection.format
(1, ['invalid_json'], 'openai-jsonl')
>>> result.records[0].provenance.source_line
1
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from curate.convert import ConvertSummary, convert
from curate.sink import WriteResult, write_records
from curate.source import Detection, ReadResult, detect_format, read_all, read_records

# The workspace stages, imported on first use so that ``import curate.api`` stays light.
STAGES = {
    "init_workspace": "curate.workspace",
    "open_workspace": "curate.workspace",
    "import_files": "curate.importer",
    "validate_workspace": "curate.checks.annotate",
    "dedupe_workspace": "curate.dedup",
    "split_workspace": "curate.split",
    "export_workspace": "curate.export",
}


def __getattr__(name: str) -> Any:
    module = STAGES.get(name)
    if module is None:
        raise AttributeError(f"module 'curate.api' has no attribute '{name}'")
    return getattr(import_module(module), name)


__all__ = [
    "ConvertSummary",
    "Detection",
    "ReadResult",
    "WriteResult",
    "convert",
    "detect_format",
    "read_all",
    "read_records",
    "write_records",
    *STAGES,
]
