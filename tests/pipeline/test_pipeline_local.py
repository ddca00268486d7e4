"""`curate pipeline run --engine local` through the real entry point."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow.parquet as pq
from typer.testing import CliRunner

from curate.cli.main import app
from tests.pipeline.planted import write_shards

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["pipeline", "run", *args])
    return result.exit_code, result.output


def records(out: Path) -> list[dict]:
    rows: list[dict] = []
    for shard in sorted(out.glob("records-*.parquet")):
        rows.extend(pq.read_table(shard).to_pylist())
    return rows


def test_samples_every_row_is_a_record_or_a_reject(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run("--input", str(SAMPLES / "**/*.jsonl"), "--input", str(SAMPLES / "*.json"),
                       "--out", str(out), "--json")
    assert code == 1, output  # the defect samples have rejected rows
    manifest = orjson.loads(output)
    counts = manifest["counts"]
    assert counts["read"] == counts["records"] + counts["rejected"] > 200
    for shard in manifest["shards"].values():
        assert shard["read"] == shard["records"] + shard["rejected"]
    assert manifest["rejects"]["invalid_json"] >= 1 and manifest["rejects"]["unreadable_file"] == 1
    assert len(records(out)) == counts["records"]
    assert pq.read_table(out / "rejects.parquet").num_rows == counts["rejected"]
    assert sum(manifest["splits"].values()) == counts["records"]
    on_disk = orjson.loads((out / "manifest.json").read_bytes())
    assert set(on_disk["other_files"]) == {p.name for p in out.iterdir()} - {"manifest.json"}


def test_planted_duplicates_cluster_and_never_cross_splits(tmp_path: Path) -> None:
    planted = write_shards(tmp_path / "in")
    out = tmp_path / "out"
    code, output = run("--input", str(tmp_path / "in" / "*.jsonl"), "--out", str(out), "--json")
    assert code == 1, output
    manifest = orjson.loads(output)
    assert manifest["counts"]["rejected"] == planted["bad"]
    assert manifest["rejects"] == {"example_missing_assistant_message": 3, "invalid_json": 3}
    rows = records(out)
    by_cluster: dict[str, set[str]] = {}
    for r in rows:
        if r["cluster"]:
            by_cluster.setdefault(r["cluster"], set()).add(r["split"])
    assert manifest["counts"]["duplicates"] == planted["exact"] + planted["near"]
    assert all(len(s) == 1 for s in by_cluster.values())
    exported = sum(len(p.read_bytes().splitlines()) for p in out.glob("*.jsonl"))
    assert exported == manifest["counts"]["exported"] <= manifest["counts"]["records"] - manifest["counts"]["duplicates"]


def test_second_run_replaces_only_a_pipeline_output(tmp_path: Path) -> None:
    write_shards(tmp_path / "in", n=40, shards=2)
    out = tmp_path / "out"
    args = ("--input", str(tmp_path / "in"), "--out", str(out), "--json")
    assert run(*args)[0] == 1
    first = orjson.loads((out / "manifest.json").read_bytes())
    assert run(*args)[0] == 1  # a finished pipeline output is replaced
    assert orjson.loads((out / "manifest.json").read_bytes())["counts"] == first["counts"]
    (out / "notes.txt").write_text("mine")
    code, output = run(*args)
    assert code == 2 and "notes.txt" in output
    assert (out / "notes.txt").read_text() == "mine"
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("a,b\n")
    assert run("--input", str(tmp_path / "in"), "--out", str(other))[0] == 2


def test_import_keeps_checks_clusters_and_splits(tmp_path: Path, monkeypatch) -> None:
    write_shards(tmp_path / "in", n=60, shards=2)
    out = tmp_path / "out"
    assert run("--input", str(tmp_path / "in"), "--out", str(out))[0] == 1
    rows = records(out)
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(ws)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    result = CliRunner().invoke(app, ["pipeline", "import", str(out), "--json"])
    assert result.exit_code == 0, result.output
    counts = orjson.loads(result.output)
    distinct = {r["id"] for r in rows}
    assert counts["added"] == len(distinct) and counts["rejects"] == 4
    from curate.workspace import find_workspace

    with find_workspace() as opened:
        store = opened.store
        clusters = store.clusters()
        assert {m.record_id for ms in clusters.values() for m in ms} == {r["id"] for r in rows if r["cluster"]}
        assert store.splits() == {r["id"]: r["split"] for r in rows}
    result = CliRunner().invoke(app, ["pipeline", "import", str(tmp_path / "in")])
    assert result.exit_code == 2
