#!/usr/bin/env bash
# The demo: convert and inspect the bundled samples, then run the whole curation path
# (init, import, validate, dedupe, review, split, export) in a fresh workspace, all under
# demo-out/ (run by `make demo`).
#
# `curate convert` exits 0 when every row was converted, 1 when some rows were rejected (the
# output is still written and the rejected rows are in OUTPUT.rejects.jsonl), and 2 for a
# usage error or an unreadable input. Steps marked "findings" reject rows on purpose (a target
# format that cannot hold tool calls); any other exit 1, and every exit 2, fails the demo.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=demo-out
SAMPLES=samples
rm -rf "$OUT"
mkdir -p "$OUT"
unexpected=0
step_no=0

command -v curate >/dev/null || {
    echo "curate is not on PATH: run this through 'make demo' (it sets up .venv first)." >&2
    exit 2
}

header() {
    step_no=$((step_no + 1))
    printf '\n== %d. %s\n' "$step_no" "$1"
}

# convert EXPECT INPUT FORMAT OUTPUT [extra args]   (EXPECT: clean | findings)
convert() {
    local expect=$1 input=$2 to=$3 output=$4
    shift 4
    local rc=0
    curate convert "$input" --to "$to" -o "$output" "$@" || rc=$?
    case "$rc:$expect" in
        0:*)
            echo "-> $output" ;;
        1:findings)
            echo "-> $output; the rows it cannot hold are in $output.rejects.jsonl (expected: exit 1 means findings, not failure)" ;;
        1:clean)
            echo "!! unexpected rejects: see $output.rejects.jsonl" >&2
            unexpected=$((unexpected + 1)) ;;
        *)
            echo "!! curate convert failed with exit $rc" >&2
            exit "$rc" ;;
    esac
}

# inspect INPUT [extra args]: exit 1 only reports rows a conversion would reject
inspect() {
    local rc=0
    curate inspect "$@" || rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "!! curate inspect failed with exit $rc" >&2
        exit "$rc"
    fi
}

header "alpaca (JSON array) -> openai-jsonl"
convert clean "$SAMPLES/alpaca.json" openai-jsonl "$OUT/alpaca.openai.jsonl"

header "sharegpt -> alpaca (multi-turn chats become alpaca rows with history)"
echo "One conversation calls a tool; alpaca cannot hold tool calls, so that row is rejected on purpose."
convert findings "$SAMPLES/sharegpt.json" alpaca "$OUT/sharegpt.alpaca.json"

header "openai-jsonl with tool calls -> sharegpt (function_call / observation turns, call ids kept)"
echo "ShareGPT has no per-turn weight: the three rows with a weight-0 turn are rejected on purpose."
convert findings "$SAMPLES/openai_chat.jsonl" sharegpt "$OUT/openai_chat.sharegpt.json"

header "ShareGPT tool calling (glaive shape) -> openai-jsonl (wrapped tools, call ids, tool_call_id)"
echo "One row answers two parallel calls with a single observation: it cannot be paired, so it is rejected."
convert findings "$SAMPLES/sharegpt_tools.json" openai-jsonl "$OUT/sharegpt_tools.openai.jsonl"

header "openai-jsonl -> alpaca (rejects on purpose)"
echo "Rows with tool calls or a weight-0 turn cannot become alpaca: each is rejected with a reason."
convert findings "$SAMPLES/openai_chat.jsonl" alpaca "$OUT/openai_chat.alpaca.json"

header "alpaca CSV (cells NA and None stay text) -> openai-jsonl as Parquet"
convert clean "$SAMPLES/chat.csv" openai-jsonl "$OUT/chat_csv.openai.parquet"

header "hh-transcript -> trl-preference (the prompt is the shared prefix)"
convert clean "$SAMPLES/hh_transcript.jsonl" trl-preference "$OUT/hh.trl_preference.jsonl"

header "trl-preference -> openai-preference (gzip by extension)"
convert clean "$SAMPLES/trl_preference.jsonl" openai-preference "$OUT/trl.openai_preference.jsonl.gz"

header "inspect samples/openai_chat.jsonl"
inspect "$SAMPLES/openai_chat.jsonl"

header "inspect samples/defects/bad_rows.jsonl (planted defects; summary saved as JSON)"
inspect "$SAMPLES/defects/bad_rows.jsonl"
inspect "$SAMPLES/defects/bad_rows.jsonl" --json >"$OUT/bad_rows.inspect.json"
echo "-> $OUT/bad_rows.inspect.json"

# ---------------------------------------------------------------------------------------------
# The curation path in a fresh workspace: demo-out/workspace
# ---------------------------------------------------------------------------------------------
ROOT=$(pwd)
WS="$OUT/workspace"

# curate_step EXPECT ARGS...  runs `curate ARGS` in the workspace. EXPECT: clean (only exit 0
# is right) or findings (exit 1 reports findings, for example records a format cannot hold).
curate_step() {
    local expect=$1
    shift
    local rc=0
    (cd "$WS" && curate "$@") || rc=$?
    case "$rc:$expect" in
        0:*) ;;
        1:findings) echo "-> exit 1: findings reported above (expected for this step)" ;;
        *)
            echo "!! curate $* failed with exit $rc" >&2
            exit "$rc" ;;
    esac
}

header "curate init: a fresh workspace in $WS"
curate init "$WS"

header "curate import: real data from four sample files"
curate_step clean import "$ROOT/$SAMPLES/openai_chat.jsonl" "$ROOT/$SAMPLES/alpaca.json" \
    "$ROOT/$SAMPLES/sharegpt.json" "$ROOT/$SAMPLES/trl_preference.jsonl"

header "curate import --origin synthetic: a small generated batch (kept under the 30% limit)"
head -n 4 "$SAMPLES/completion.jsonl" >"$OUT/synthetic_batch.jsonl"
curate_step clean import "$ROOT/$OUT/synthetic_batch.jsonl" --origin synthetic --tag batch=demo
curate_step clean status

header "curate validate: the quality checklist, stored as annotations"
curate_step findings validate --limit 5

header "curate dedupe: duplicate clusters"
if (cd "$WS" && curate dedupe --help >/dev/null 2>&1); then
    curate_step findings dedupe
else
    echo "curate dedupe is not available in this build; skipping (export then notes that duplicates are unknown)."
fi

header "curate approve: synthetic records need a reviewer's approval before export"
curate_step clean approve --where origin=synthetic --reviewer demo

header "curate split: train/validation/test, stratified by category, duplicates kept together"
curate_step clean split --seed 13

header "curate export --format trl (SFT): the explicit policy, then the files"
echo "Rows with a weight-0 turn cannot be held by TRL: they are counted as unsupported_in_target (exit 1)."
curate_step findings export --format trl --out "$ROOT/$OUT/export-trl"

header "curate export --format trl --kind preference (DPO pairs)"
curate_step clean export --format trl --kind preference --out "$ROOT/$OUT/export-trl-dpo"

header "curate export --format openai-jsonl (checked with OpenAI's format checks on the way out)"
curate_step clean export --format openai-jsonl --out "$ROOT/$OUT/export-openai"

header "export files and manifest summary"
for dir in "$OUT/export-trl" "$OUT/export-trl-dpo" "$OUT/export-openai"; do
    echo "$dir/"
    ls -l "$dir" | tail -n +2 | awk '{printf "  %8s  %s\n", $5, $9}'
    python - "$dir/manifest.json" <<'PY'
import json
import sys

m = json.load(open(sys.argv[1], encoding="utf-8"))
files = ", ".join(f"{s} {e['rows']} rows (sha256 {e['sha256'][:12]})" for s, e in m["files"].items())
share = ", ".join(f"{k} {v:.0%}" for k, v in m["synthetic_share"].items())
left = ", ".join(f"{k} {v}" for k, v in m["policy"]["left_out"].items()) or "none"
gens = ", ".join(
    f"{g['provider'] or '?'}/{g['model'] or '?'} {g['records']}" if g["provider"] or g["model"]
    else f"{g['records']} records without a recorded generator"
    for g in m["generators"]
) or "none"
print(f"  format {m['format']} ({m['kind']}, {m['layout']}), workspace {m['workspace_fingerprint'][:12]}")
print(f"  files: {files}")
print(f"  synthetic share: {share} (limit {m['max_synthetic_share']:.0%}); generators: {gens}")
print(f"  left out: {left}")
PY
done

header "train run --model tiny-random: a CPU smoke run of SFT and DPO on the exports"
echo "(a random 2-layer model and a tokenizer trained on the data: it tests the path, not a model)"
train run --data "$OUT/export-trl" --model tiny-random --method sft --max-steps 3 \
    --output-dir "$OUT/run-sft"
train run --data "$OUT/export-trl-dpo" --model tiny-random --method dpo --max-steps 2 \
    --output-dir "$OUT/run-dpo"

header "train eval: base vs tuned on the test split (perplexity, format checks, the rubric)"
train eval "$OUT/run-sft" --max-samples 3 --max-new-tokens 16

header "train ab: base vs tuned, blind (answers timed and rubric-checked, Left/Right dealt per item)"
train ab "base:$OUT/run-sft" "$OUT/run-sft" --out "$OUT/ab.jsonl" --max-samples 4 \
    --max-new-tokens 16 --seed 7
echo "(no verdicts yet: people give them in 'curate review --ab $OUT/ab.jsonl', a model in"
echo " 'train ab judge $OUT/ab.jsonl --max-cost 1'; the report below already unblinds the"
echo " matrix: rubric format compliance and mean latency per side; wins appear once decided)"
train ab report "$OUT/ab.jsonl" --png "$OUT/ab.png"

printf '\n== done: outputs in %s/\n' "$OUT"
ls -1 "$OUT"
if [ "$unexpected" -gt 0 ]; then
    echo "!! $unexpected step(s) rejected rows that should have converted" >&2
    exit 1
fi
