"""Input edges: standard input and pipes, gzip bombs of blank lines, rows that are not objects."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import orjson
import pytest

from curate.errors import UnreadableInput
from curate.io.limits import BLANK_LINES_ENV, GZIP_RATIO_ENV, MAX_BLANK_LINES
from curate.io.read import RowReader
from curate.source import RecordSource

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CURATE = shutil.which("curate", path=str(Path(sys.executable).parent)) or "curate"
ROW = orjson.dumps({"instruction": "What does VACUUM do in Delta Lake?", "output": "It removes old files."})


def curate(*args: str, cwd: Path, stdin: bytes | None = None, env: dict | None = None):
    environ = {**os.environ, "USER": "tester", **(env or {})}
    return subprocess.run(
        [CURATE, *args], cwd=cwd, input=stdin, capture_output=True, timeout=120, env=environ
    )


def member(data: bytes) -> bytes:
    """One gzip member holding ``data``."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def gzip_bomb(path: Path, block: bytes, gib: int = 2) -> Path:
    """A valid gzip file of ``gib`` GiB of ``block`` repeated, a few MB on disk.

    One 16 MiB member is compressed once and written again and again (gzip readers join
    concatenated members), so the test builds it in well under a second.
    """
    chunk = member(block * ((16 << 20) // len(block)))
    with open(path, "wb") as out:
        out.write(member(ROW + b"\n"))
        for _ in range(gib * 64):
            out.write(chunk)
    return path


# Rows that are JSON but not objects -------------------------------------------------------


@pytest.mark.parametrize("value", [[1, 2], "text", 42, True, None])
def test_a_json_row_that_is_not_an_object_has_its_own_reason(tmp_path: Path, value: object) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(ROW + b"\n" + orjson.dumps(value) + b"\n")
    results = [result for _, result in RecordSource(path).parsed()]
    assert not hasattr(results[0], "code")
    assert results[1].code == "not_an_object"
    assert "valid JSON but" in str(results[1]) and "not an object" in str(results[1])


def test_not_an_object_in_a_json_array_and_through_import(tmp_path: Path) -> None:
    (tmp_path / "arr.json").write_bytes(b"[" + ROW + b', [1, 2], "text", 42]')
    assert curate("init", cwd=tmp_path).returncode == 0
    done = curate("import", "arr.json", "--json", cwd=tmp_path)
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert summary["read"] == 4 and summary["added"] == 1
    assert summary["reasons"] == {"not_an_object": 3}


# Gzip bombs ---------------------------------------------------------------------------------


def test_a_gzip_bomb_of_blank_lines_is_refused_in_seconds(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "bomb.jsonl.gz", b"\n")
    assert bomb.stat().st_size < 4 << 20  # 2 GiB of blank lines in a few MB
    started = time.monotonic()
    with pytest.raises(UnreadableInput) as caught:
        list(RowReader(bomb))
    assert time.monotonic() - started < 30
    message = f"{caught.value.message} {caught.value.fix}"
    assert f"over {MAX_BLANK_LINES:,} blank lines in a row from line 2" in message
    assert BLANK_LINES_ENV in message


def test_the_import_of_a_gzip_bomb_stops_with_one_sentence(tmp_path: Path) -> None:
    gzip_bomb(tmp_path / "bomb.jsonl.gz", b"\n")
    assert curate("init", cwd=tmp_path).returncode == 0
    started = time.monotonic()
    done = curate("import", "bomb.jsonl.gz", cwd=tmp_path)
    assert time.monotonic() - started < 60
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "blank lines in a row" in err and BLANK_LINES_ENV in err and "Traceback" not in err


def test_a_gzip_bomb_of_one_endless_row_is_refused_by_its_expansion(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "wide.jsonl.gz", b"x", gib=1)
    with pytest.raises(UnreadableInput) as caught:
        list(RowReader(bomb))
    assert "expands to over 100 times its compressed size" in caught.value.message
    assert GZIP_RATIO_ENV in caught.value.fix


def test_the_limits_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "padded.jsonl"
    path.write_bytes(ROW + b"\n" + b"\n" * 50 + ROW + b"\n")
    assert len(list(RowReader(path))) == 2
    monkeypatch.setenv(BLANK_LINES_ENV, "10")
    with pytest.raises(UnreadableInput, match="over 10 blank lines in a row from line 2"):
        list(RowReader(path))
    monkeypatch.setenv(BLANK_LINES_ENV, "ten")
    with pytest.raises(UnreadableInput, match="not a whole number"):
        list(RowReader(path))


def test_genuine_gzip_files_read_as_before(tmp_path: Path) -> None:
    plain = SAMPLES / "openai_chat.jsonl"
    packed = tmp_path / "chat.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert [r.value for r in RowReader(packed)] == [r.value for r in RowReader(plain)]


# Standard input, pipes and FIFOs -----------------------------------------------------------


def test_import_from_standard_input_and_dev_stdin(tmp_path: Path) -> None:
    assert curate("init", cwd=tmp_path).returncode == 0
    data = (SAMPLES / "openai_chat.jsonl").read_bytes()
    rows = data.count(b"\n")
    done = curate("import", "-", "--json", cwd=tmp_path, stdin=data)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["files"][0]["path"] == "<stdin>" and summary["added"] == rows
    again = curate("import", "/dev/stdin", "--json", cwd=tmp_path, stdin=data)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["existing"] == rows


def test_gzip_on_standard_input_is_sniffed(tmp_path: Path) -> None:
    data = gzip.compress((SAMPLES / "alpaca.json").read_bytes())
    done = curate("inspect", "-", "--json", cwd=tmp_path, stdin=data)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "alpaca"
    out = tmp_path / "out.jsonl"
    conv = curate(
        "convert", "-", "-o", str(out), "--to", "openai-jsonl", cwd=tmp_path, stdin=data
    )
    assert conv.returncode == 0, conv.stderr
    assert out.read_bytes().count(b"\n") == len(json.loads((SAMPLES / "alpaca.json").read_bytes()))


def test_import_from_a_fifo(tmp_path: Path) -> None:
    assert curate("init", cwd=tmp_path).returncode == 0
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    data = (SAMPLES / "openai_chat.jsonl").read_bytes()

    def feed() -> None:
        with open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    done = curate("import", "feed.jsonl", "--json", cwd=tmp_path)
    writer.join(timeout=30)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["files"][0]["path"] == "feed.jsonl"
    assert summary["added"] == data.count(b"\n")
