#!/usr/bin/env bash
# The demo: convert and inspect the bundled samples into demo-out/ (run by `make demo`).
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

header "openai-jsonl with tool calls -> sharegpt (function_call / observation turns)"
convert clean "$SAMPLES/openai_chat.jsonl" sharegpt "$OUT/openai_chat.sharegpt.json"

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

printf '\n== done: outputs in %s/\n' "$OUT"
ls -1 "$OUT"
if [ "$unexpected" -gt 0 ]; then
    echo "!! $unexpected step(s) rejected rows that should have converted" >&2
    exit 1
fi
