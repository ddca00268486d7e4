"""The conversion pipeline: every bad input gets its reason code and nothing is lost."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.convert import convert, default_rejects_path
from curate.errors import UnreadableInput, UsageError
from curate.io.read import read_rows


def chat(*turns: tuple[str, Any], **extra: Any) -> bytes:
    msgs = [{"role": r, "content": c} for r, c in turns]
    return orjson.dumps({"messages": msgs, **extra})


GOOD = chat(("user", "How do I list Kafka topics?"), ("assistant", "kafka-topics.sh --list"))
# (line bytes, the reason code it must get, or None when it must be converted)
DEFECTS: list[tuple[bytes, str | None]] = [
    (GOOD, None),
    (b'{"messages": [{"role": "user", "content": "unterminated}', "invalid_json"),
    (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}', "invalid_encoding"),
    (rb'{"messages": [{"role": "user", "content": "\ud800"}]}', "invalid_encoding"),
    (chat(("user", 42), ("assistant", "A number is not a question.")), "data_type"),
    (chat(("user", None), ("assistant", "Null content.")), "missing_content"),
    (chat(("robot", "beep"), ("assistant", "Unknown role.")), "unrecognized_role"),
    (chat(("user", "   "), ("assistant", "Empty question.")), "missing_content"),
    (chat(("system", "Be brief."), ("user", "No answer here.")), "example_missing_assistant_message"),
    (
        orjson.dumps(
            {"messages": [{"role": "user", "content": "q", "mood": "happy"}, {"role": "assistant", "content": "a"}]}
        ),
        "message_unrecognized_key",
    ),
    (orjson.dumps({"messages": [{"content": "no role"}, {"role": "assistant", "content": "a"}]}), "message_missing_key"),
    (orjson.dumps({"messages": "not a list"}), "data_type"),
    (orjson.dumps({"messages": []}), "missing_messages_list"),
    # openai-jsonl accepts user turns in a row (as OpenAI does); checks flag them later
    (chat(("user", "First part."), ("user", "Second part."), ("assistant", "Answer.")), None),
]


def write_lines(path: Path, lines: list[bytes], *, bom: bool = False, last_newline: bool = True) -> Path:
    data = b"\n".join(lines) + (b"\n" if last_newline else b"")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def rejects_of(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_every_planted_defect_gets_its_reason_code(tmp_path: Path) -> None:
    lines = [line for line, _ in DEFECTS] + [b'{"messages": [{"role": "us']
    src = write_lines(tmp_path / "in.jsonl", lines, bom=True, last_newline=False)
    out = tmp_path / "out.jsonl"
    summary = convert(src, out, "openai-jsonl")
    expected = {i + 1: code for i, (_, code) in enumerate(DEFECTS) if code}
    expected[len(lines)] = "truncated_row"
    rejects = rejects_of(out.with_name("out.jsonl.rejects.jsonl"))
    assert {r["line"]: r["code"] for r in rejects} == expected
    assert summary.read == len(lines) == summary.written + summary.rejected
    assert summary.written == sum(code is None for _, code in DEFECTS)
    assert sum(summary.reasons.values()) == summary.rejected
    assert summary.detected_format == "openai-jsonl"
    for reject in rejects:
        assert set(reject) == {"source", "line", "code", "message", "raw"}
        assert reject["source"] == str(src) and reject["message"].endswith(".")
    assert rejects[1]["raw"].endswith('"caf\ufffd"}]}')


def test_output_rows_are_in_input_order(tmp_path: Path) -> None:
    lines = [chat(("user", f"Question {i}"), ("assistant", f"Answer {i}")) for i in range(50)]
    src = write_lines(tmp_path / "in.jsonl", lines)
    convert(src, tmp_path / "out.jsonl", "openai-jsonl")
    back = [r.value for r in read_rows(tmp_path / "out.jsonl")]
    assert [m["messages"][0]["content"] for m in back] == [f"Question {i}" for i in range(50)]


def test_a_huge_line_is_rejected_and_the_rest_converted(tmp_path: Path) -> None:
    huge = chat(("user", "x" * (64 * 1024 * 1024 + 10)), ("assistant", "too big"))
    src = write_lines(tmp_path / "in.jsonl", [GOOD, huge, GOOD])
    del huge
    summary = convert(src, tmp_path / "out.jsonl", "openai-jsonl")
    assert (summary.read, summary.written, summary.reasons) == (3, 2, {"row_too_large": 1})
    (reject,) = rejects_of(Path(summary.rejects_path or ""))
    assert reject["line"] == 2 and len(reject["raw"]) <= 4096


def test_empty_input_converts_to_an_empty_output_without_rejects(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"")
    summary = convert(src, tmp_path / "out.json", "alpaca")
    assert summary.empty and (summary.read, summary.written, summary.rejected) == (0, 0, 0)
    assert (tmp_path / "out.json").read_text() == "[]\n"
    assert summary.rejects_path is None
    assert not default_rejects_path(tmp_path / "out.json").exists()
    assert "empty" in summary.warnings()[0]


def test_rejects_file_only_when_there_are_rejects_and_stale_ones_go(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    stale = default_rejects_path(out)
    src = write_lines(tmp_path / "in.jsonl", [GOOD, b"nope"])
    assert convert(src, out, "openai-jsonl").rejects_path == str(stale)
    assert stale.exists()
    write_lines(src, [GOOD])
    summary = convert(src, out, "openai-jsonl")
    assert summary.rejects_path is None and not stale.exists()


def test_custom_rejects_path_and_gzip_rejects(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD, b"nope"])
    rejects = tmp_path / "bad.jsonl.gz"
    summary = convert(src, tmp_path / "out.csv", "openai-jsonl", rejects_path=rejects)
    assert summary.rejects_path == str(rejects)
    (reject,) = [orjson.loads(x) for x in gzip.decompress(rejects.read_bytes()).splitlines()]
    assert reject["code"] == "invalid_json" and reject["raw"] == "nope"


def test_rows_the_target_cannot_hold_are_rejected_unsupported_in_target(tmp_path: Path) -> None:
    tool_chat = orjson.dumps(
        {
            "messages": [
                {"role": "user", "content": "How many events today?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "run_sql", "arguments": "{}"}}],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
                {"role": "assistant", "content": "42 events."},
            ]
        }
    )
    src = write_lines(tmp_path / "in.jsonl", [GOOD, tool_chat])
    summary = convert(src, tmp_path / "out.json", "alpaca")
    assert (summary.written, summary.reasons) == (1, {"unsupported_in_target": 1})
    (reject,) = rejects_of(Path(summary.rejects_path or ""))
    assert reject["line"] == 2 and orjson.loads(reject["raw"]) == orjson.loads(tool_chat)


def test_multi_turn_chat_becomes_alpaca_with_history_and_back(tmp_path: Path) -> None:
    row = chat(("system", "S"), ("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2"))
    src = write_lines(tmp_path / "in.jsonl", [row])
    convert(src, tmp_path / "a.json", "alpaca")
    (alpaca,) = [r.value for r in read_rows(tmp_path / "a.json")]
    assert alpaca["history"] == [["q1", "a1"]] and alpaca["system"] == "S"
    convert(tmp_path / "a.json", tmp_path / "back.jsonl", "openai-jsonl")
    (back,) = [r.value for r in read_rows(tmp_path / "back.jsonl")]
    assert back == orjson.loads(row)


def test_csv_na_and_none_cells_stay_text(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("instruction,input,output\nExplain NULL in SQL,NA,None\n")
    convert(src, tmp_path / "out.jsonl", "alpaca")
    (row,) = [r.value for r in read_rows(tmp_path / "out.jsonl")]
    assert (row["input"], row["output"]) == ("NA", "None")


def test_csv_json_cells_are_structure_where_the_format_wants_it_and_text_elsewhere(
    tmp_path: Path,
) -> None:
    src = tmp_path / "alpaca.csv"
    src.write_text(
        "instruction,input,output\n"
        'Give the weekend days as a JSON array.,,"[6, 7]"\n'
        'Return the row as JSON.,"{""id"": 1}","{""id"": 1, ""name"": null}"\n'
    )
    summary = convert(src, tmp_path / "a.jsonl", "alpaca")
    assert (summary.written, summary.rejected) == (2, 0)
    rows = [r.value for r in read_rows(tmp_path / "a.jsonl")]
    assert rows[0]["output"] == "[6, 7]" and rows[1]["input"] == '{"id": 1}'
    chat_csv = tmp_path / "chat.csv"
    chat_csv.write_text(
        "messages,topic\n"
        '"[{""role"": ""user"", ""content"": ""q""}, {""role"": ""assistant"", ""content"": ""a""}]",kafka\n'
        '"[{""role"": ""robot"", ""content"": ""q""}, {""role"": ""assistant"", ""content"": ""a""}]",kafka\n'
    )
    summary = convert(chat_csv, tmp_path / "c.jsonl", "openai-jsonl")
    assert (summary.written, summary.reasons) == (1, {"unrecognized_role": 1})
    (row,) = [r.value for r in read_rows(tmp_path / "c.jsonl")]
    assert row == {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "topic": "kafka"}


@pytest.mark.parametrize("ext", ["jsonl", "json", "csv", "parquet", "jsonl.gz", "json.gz", "csv.gz"])
def test_every_container_converts_and_reads_back(tmp_path: Path, ext: str) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD, b"bad"])
    out = tmp_path / f"out.{ext}"
    summary = convert(src, out, "openai-jsonl")
    assert (summary.written, summary.rejected) == (1, 1)
    again = convert(out, tmp_path / "again.jsonl", "openai-jsonl")
    assert (again.read, again.written) == (1, 1)
    assert (tmp_path / "again.jsonl").read_bytes().rstrip() == orjson.dumps(orjson.loads(GOOD))


def test_from_overrides_detection_and_a_disagreement_is_warned(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD])
    summary = convert(src, tmp_path / "out.jsonl", "openai-jsonl", from_="alpaca")
    assert summary.from_format == "alpaca" and summary.detected_format == "openai-jsonl"
    assert summary.reasons == {"missing_field": 1}
    assert any("--from says alpaca" in w for w in summary.warnings())


def test_mixed_files_are_converted_row_by_row_in_the_majority_format(tmp_path: Path) -> None:
    alpaca = orjson.dumps({"instruction": "i", "input": "", "output": "o"})
    src = write_lines(tmp_path / "in.jsonl", [GOOD] * 8 + [alpaca] * 2)
    summary = convert(src, tmp_path / "out.jsonl", "openai-jsonl")
    assert summary.detection is not None and summary.detection.is_mixed
    assert (summary.written, summary.rejected) == (8, 2)
    assert any("mixes formats" in w for w in summary.warnings())


def test_usage_errors_come_before_anything_is_written(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD])
    with pytest.raises(UsageError, match="Unknown format"):
        convert(src, tmp_path / "o.jsonl", "nope")
    with pytest.raises(UsageError, match="Unknown format"):
        convert(src, tmp_path / "o.jsonl", "alpaca", from_="nope")
    with pytest.raises(UsageError, match="output is the input"):
        convert(src, src, "openai-jsonl")
    with pytest.raises(UsageError, match="Cannot tell which file type"):
        convert(src, tmp_path / "o.txt", "alpaca")
    with pytest.raises(UnreadableInput):
        convert(tmp_path / "missing.jsonl", tmp_path / "o.jsonl", "alpaca")
    with pytest.raises(UsageError, match="rejects file"):
        convert(src, tmp_path / "o.jsonl", "alpaca", rejects_path=tmp_path / "no" / "r.jsonl")
    odd = write_lines(tmp_path / "odd.jsonl", [b'{"x": 1}', b'{"y": 2}'])
    with pytest.raises(UsageError, match="Cannot tell the format"):
        convert(odd, tmp_path / "o.jsonl", "alpaca")
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(UsageError, match="is a folder"):
        convert(src, tmp_path / "dir.jsonl", "alpaca")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.jsonl", "in.jsonl", "odd.jsonl"]
    # a pipe is not refused: it is read through a private copy
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=fifo.write_bytes, args=(src.read_bytes(),), daemon=True)
    feeder.start()
    piped = convert(fifo, tmp_path / "piped.jsonl", "alpaca")
    feeder.join(timeout=30)
    assert piped.read == src.read_bytes().count(b"\n") and piped.input == str(fifo)


def test_an_unreadable_input_midway_leaves_no_output(tmp_path: Path) -> None:
    data = gzip.compress(b"\n".join([GOOD] * 5000))
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableInput):
        convert(src, tmp_path / "out.jsonl", "openai-jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl.gz"]


def test_progress_is_reported_up_to_the_file_size(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [GOOD] * 5000)
    seen: list[tuple[int, int]] = []
    convert(src, tmp_path / "out.jsonl", "openai-jsonl", progress=lambda d, t: seen.append((d, t)))
    size = src.stat().st_size
    assert len(seen) >= 2 and seen[-1] == (size, size)
    assert all(d <= t == size for d, t in seen)


POOL = [line for line, _ in DEFECTS] + [b"", b"   ", b"[1, 2]", b"null", b'"text"']


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.sampled_from(range(len(POOL))), max_size=30), target=st.sampled_from(["openai-jsonl", "alpaca", "sharegpt"]))
def test_nothing_is_lost_read_equals_written_plus_rejected(tmp_path: Path, picks: list[int], target: str) -> None:
    lines = [GOOD] + [POOL[i] for i in picks]  # GOOD first so the format is detectable
    src = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    summary = convert(src, out, target)
    non_blank = [i + 1 for i, line in enumerate(lines) if line.strip()]
    assert summary.read == len(non_blank) == summary.written + summary.rejected
    assert len(list(read_rows(out))) == summary.written
    rejected_lines = []
    if summary.rejects_path:
        rejected_lines = [r["line"] for r in rejects_of(Path(summary.rejects_path))]
    assert len(rejected_lines) == summary.rejected
    assert set(rejected_lines) <= set(non_blank)


# --- meaning: KTO labels, v1 weights, shapes that are not data ------------------------------

LLAMA_FACTORY = Path(__file__).resolve().parents[1] / "samples" / "llama_factory"


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_kto_rows_convert_to_unpaired_with_their_own_labels(tmp_path: Path) -> None:
    source = orjson.loads((LLAMA_FACTORY / "kto_messages.json").read_bytes())
    out = tmp_path / "kto.jsonl"
    summary = convert(LLAMA_FACTORY / "kto_messages.json", out, "unpaired")
    assert summary.detected_format == "llama-factory-kto"
    assert (summary.read, summary.written, summary.rejected, summary.labelled) == (6, 6, 0, 0)
    rows = jsonl(out)
    assert [r["label"] for r in rows] == [r["label"] for r in source] == [True, False] * 3
    assert [r["completion"] for r in rows] == [[r["messages"][-1]] for r in source]
    # and back: the same file, byte for byte
    back = tmp_path / "back.json"
    convert(out, back, "llama-factory-kto")
    assert back.read_bytes() == (LLAMA_FACTORY / "kto_messages.json").read_bytes()
    # --from unpaired reads the KTO shape too
    again = convert(LLAMA_FACTORY / "kto_messages.json", tmp_path / "u.jsonl", "unpaired", "unpaired")
    assert again.rejected == 0 and jsonl(tmp_path / "u.jsonl") == rows


def test_sft_to_unpaired_is_refused_unless_a_label_is_given(tmp_path: Path) -> None:
    alpaca = Path(__file__).resolve().parents[1] / "samples" / "alpaca.json"
    out = tmp_path / "u.jsonl"
    refused = convert(alpaca, out, "unpaired")
    assert (refused.written, refused.rejected) == (0, 16)
    assert refused.reasons == {"unsupported_in_target": 16}
    first = orjson.loads(default_rejects_path(out).read_bytes().splitlines()[0])
    assert "--label" in first["message"] and first["message"].count(".") == 1
    labelled = convert(alpaca, out, "unpaired", label="false")
    assert (labelled.written, labelled.rejected, labelled.labelled) == (16, 0, 16)
    assert labelled.to_dict()["label"] is False and labelled.to_dict()["labelled"] == 16
    assert {r["label"] for r in jsonl(out)} == {False}
    kto = convert(alpaca, tmp_path / "k.json", "llama-factory-kto", label=True)
    assert kto.labelled == 16
    rows = orjson.loads((tmp_path / "k.json").read_bytes())
    assert {r["label"] for r in rows} == {True}
    # rows that have a label keep theirs
    kept = convert(LLAMA_FACTORY / "kto_messages.json", tmp_path / "kept.jsonl", "unpaired", label=True)
    assert kept.labelled == 0
    assert [r["label"] for r in jsonl(tmp_path / "kept.jsonl")] == [True, False] * 3


@pytest.mark.parametrize(("to", "label"), [("openai-jsonl", "true"), ("unpaired", "maybe")])
def test_label_usage_errors(tmp_path: Path, to: str, label: str) -> None:
    with pytest.raises(UsageError):
        convert(LLAMA_FACTORY / "v1_sft.jsonl", tmp_path / "o.jsonl", to, label=label)
    assert not (tmp_path / "o.jsonl").exists()


def test_v1_weights_survive_openai_and_back(tmp_path: Path) -> None:
    openai = tmp_path / "chat.jsonl"
    assert convert(LLAMA_FACTORY / "v1_sft.jsonl", openai, "openai-jsonl").rejected == 0
    assert jsonl(openai)[2]["messages"][1] == {"role": "assistant", "content": "Yes.", "weight": 0}
    back = tmp_path / "v1.jsonl"
    summary = convert(openai, back, "llama-factory-v1")
    assert summary.rejected == 0
    rows = jsonl(back)
    assert [m["loss_weight"] for m in rows[2]["messages"]] == [0.0, 0.0, 0.0, 1.0]
    assert rows[0] == jsonl(LLAMA_FACTORY / "v1_sft.jsonl")[0]


def test_v1_pairs_round_trip_through_trl(tmp_path: Path) -> None:
    trl = tmp_path / "pairs.jsonl"
    assert convert(LLAMA_FACTORY / "v1_dpo.jsonl", trl, "trl-preference").rejected == 0
    back = tmp_path / "v1.jsonl"
    assert convert(trl, back, "llama-factory-v1-preference").rejected == 0
    assert jsonl(back) == jsonl(LLAMA_FACTORY / "v1_dpo.jsonl")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("seed_tasks.jsonl", "the rows look like self-instruct seed tasks"),
        ("dataset_info.json", "this is a LLaMA-Factory dataset registry"),
    ],
)
def test_shapes_that_are_not_data_fail_before_anything_is_written(
    tmp_path: Path, name: str, words: str
) -> None:
    with pytest.raises(UsageError) as info:
        convert(LLAMA_FACTORY / name, tmp_path / "o.json", "alpaca")
    assert words in info.value.message and info.value.exit_code == 2
    assert not (tmp_path / "o.json").exists()


def test_the_cli_says_what_label_did_and_exits_2_for_shapes_that_are_not_data(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from curate.cli.main import app

    runner = CliRunner()
    alpaca = Path(__file__).resolve().parents[1] / "samples" / "alpaca.json"
    out = str(tmp_path / "u.jsonl")
    refused = runner.invoke(app, ["convert", str(alpaca), "--to", "unpaired", "-o", out])
    assert refused.exit_code == 1 and "unsupported_in_target: 16" in refused.output
    args = ["convert", str(alpaca), "--to", "unpaired", "-o", out, "--label", "false"]
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0
    assert "16 written rows had no label and were given label false (--label false)" in plain.output
    data = orjson.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert (data["label"], data["labelled"], data["rejected"]) == (False, 16, 0)
    bad = runner.invoke(app, [*args[:-2], "--label", "maybe"])
    assert bad.exit_code == 2
    for name in ("seed_tasks.jsonl", "dataset_info.json"):
        failed = runner.invoke(app, ["convert", str(LLAMA_FACTORY / name), "--to", "alpaca", "-o", out])
        assert failed.exit_code == 2 and "Cannot tell the format" in failed.output
