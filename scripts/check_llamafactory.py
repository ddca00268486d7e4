#!/usr/bin/env python3
"""Load `curate export --format llama-factory` folders with LLaMA-Factory's own dataset code.

LLaMA-Factory cannot be installed beside this project's transformers 5, so this check fetches
its wheel (no dependencies) from the package index, takes the two modules that read data,
`data/parser.py` (dataset_info.json) and `data/converter.py` (alpaca/sharegpt rows to its
internal prompt/response form), gives them the few names they import from the rest of the
package, and runs every row of every split through them. A row counts as broken when the
converter yields no prompt, the wrong number of responses (1, or 2 for preference pairs) or an
empty response, or logs a warning (bad role order, odd message count).

    python scripts/check_llamafactory.py EXPORT_DIR [EXPORT_DIR ...]   # exit 0: no broken row

Needs the package index (pip download); not part of `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

VERSION = "0.9.5"

SHIMS = {
    "llamafactory/__init__.py": "",
    "llamafactory/data/__init__.py": "",
    "llamafactory/extras/__init__.py": "",
    "llamafactory/extras/constants.py": 'DATA_CONFIG = "dataset_info.json"\n',
    "llamafactory/extras/misc.py": (
        "def use_modelscope():\n    return False\n\n\ndef use_openmind():\n    return False\n"
    ),
    "llamafactory/extras/logging.py": (
        "import logging\n\nWARNINGS = []\n\n\n"
        "def get_logger(name=None):\n"
        "    logger = logging.getLogger(name or 'llamafactory')\n"
        "    logger.warning_rank0 = WARNINGS.append\n"
        "    logger.warning_rank0_once = WARNINGS.append\n"
        "    logger.info_rank0 = lambda message: None\n"
        "    return logger\n"
    ),
    "llamafactory/data/data_utils.py": (
        "from enum import StrEnum, unique\n\n\n@unique\nclass Role(StrEnum):\n"
        '    USER = "user"\n    ASSISTANT = "assistant"\n    SYSTEM = "system"\n'
        '    FUNCTION = "function"\n    OBSERVATION = "observation"\n'
    ),
}


def fetch(workdir: Path) -> Path:
    """LLaMA-Factory's data parser and converter beside the shims, ready to import."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"llamafactory=={VERSION}"]
        + ["-d", str(workdir)],
        check=True,
    )
    wheel = next(workdir.glob("llamafactory-*.whl"))
    root = workdir / "lf"
    with zipfile.ZipFile(wheel) as archive:
        for name in ("llamafactory/data/parser.py", "llamafactory/data/converter.py"):
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    for name, text in SHIMS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def check(export: Path) -> int:
    """Broken rows of one export folder, with a line per split."""
    from llamafactory.data.converter import get_dataset_converter
    from llamafactory.data.parser import get_dataset_list
    from llamafactory.extras.logging import WARNINGS

    info = json.loads((export / "dataset_info.json").read_text(encoding="utf-8"))
    broken_total = 0
    for attr in get_dataset_list(list(info), str(export)):
        rows = json.loads((export / attr.dataset_name).read_text(encoding="utf-8"))
        convert = get_dataset_converter(
            attr.formatting, attr, types.SimpleNamespace(media_dir=str(export))
        )
        broken = 0
        for row in rows:
            for column in (attr.tools, attr.system, attr.chosen, attr.rejected, attr.history):
                if column and column not in row:
                    row[column] = None  # what `datasets` gives a column a row lacks
            before = len(WARNINGS)
            out = convert(row)
            want = 2 if attr.ranking else 1
            responses = out["_response"]
            if (
                not out["_prompt"]
                or len(responses) != want
                or not all(m["content"] for m in responses)
                or len(WARNINGS) > before
            ):
                broken += 1
        print(
            f"{export}/{attr.dataset_name}: {attr.formatting}"
            f"{' pairs' if attr.ranking else ''}, {len(rows)} rows, {broken} broken"
        )
        broken_total += broken
    return broken_total


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(fetch(Path(tmp))))
        broken = sum(check(Path(arg)) for arg in argv)
    print(f"LLaMA-Factory {VERSION}: {broken} broken rows")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
