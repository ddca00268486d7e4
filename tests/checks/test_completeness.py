"""Completeness: empty, cut off, far too short, placeholders, refusals."""

from __future__ import annotations

import pytest
from check_helpers import PROSE, chat, run_check

from curate.checks.completeness import CompletenessCheck, truncation


def codes(answer: str | None, user: str = "What is a consumer group?") -> list[str]:
    return run_check(CompletenessCheck, chat(user=user, answer=answer))


def test_a_complete_answer_passes() -> None:
    assert codes(PROSE) == []


@pytest.mark.parametrize("answer", ["   ", "N/A", "...", "TODO", "\n\t"])
def test_empty_answer(answer: str) -> None:
    assert codes(answer) == ["empty_answer"]


def test_no_answer_text_at_all_is_left_to_structure() -> None:
    assert codes("") == []
    assert codes(None) == []


def test_cut_off_mid_sentence() -> None:
    cut = "A shuffle writes every row to local disk, sends it over the network to the executor that owns the key, and then the"
    assert codes(cut) == ["truncated_answer"]


@pytest.mark.parametrize(
    "ending",
    ["See the docs at https://kafka.apache.org/documentation", "- the last item of a list", "Thanks,\nMaria", "| a | b |"],
)
def test_endings_that_are_not_cut_off(ending: str) -> None:
    assert truncation(PROSE + "\n\n" + ending, 12) is None


def test_short_answers_are_not_judged_for_truncation() -> None:
    assert codes("Paris") == []


def test_open_code_fence_at_the_end() -> None:
    answer = "Use the safe loader.\n\n```python\nimport yaml\nconfig = yaml.safe_load(fh)\nfor key in config:"
    assert codes(answer) == ["open_code_fence"]


def test_answer_far_shorter_than_asked() -> None:
    assert codes("It rebalances.", user="Explain in detail how Kafka rebalances a group.") == ["answer_too_short"]
    assert codes("Read, then write.", user="Walk me through the job step by step.") == ["answer_too_short"]
    assert codes("ok " * 30 + "done.", user="Write at least 200 words about Spark.") == ["answer_too_short"]
    assert codes(PROSE, user="Explain what a consumer group is.") == []


@pytest.mark.parametrize(
    "text",
    ["Dear {{customer_name}}, your report is ready now.", "Hello <PLACEHOLDER>, the report is ready now.",
     "Contact [INSERT EMAIL HERE] for the report now.", "Lorem ipsum dolor sit amet, the report is ready."],
)
def test_unfilled_placeholders(text: str) -> None:
    assert codes(text) == ["unfilled_placeholder"]


def test_placeholders_in_the_prompt_count_too() -> None:
    assert run_check(CompletenessCheck, chat(user="Write to {{name}} about the outage.")) == ["unfilled_placeholder"]


def test_template_syntax_inside_code_is_not_a_placeholder() -> None:
    answer = "Jinja renders variables in double braces:\n\n```jinja\nHello {{ user.name }}!\n```\n\nThat is the whole template."
    assert codes(answer) == []


@pytest.mark.parametrize(
    "text",
    ["As an AI language model, I cannot browse the internet, but here is what I know about Kafka.",
     "I'm sorry, but I can't help with that request.",
     "I cannot help with that."],
)
def test_boilerplate_refusals(text: str) -> None:
    assert codes(text) == ["refusal_boilerplate"]


# --- unfilled_placeholder: template content against gaps left in prose ---

TEMPLATE_ANSWERS = [
    # GitHub Actions in a fenced block, in a list item's indented fence, and unfenced
    "Add this workflow:\n\n```yaml\nname: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: echo ${{ github.repository }}\n```\n\nIt prints the repository name.",
    "1. Create `.github/workflows/ci.yml`:\n\n    ```yaml\n    - name: Tag\n      run: docker tag app {{ github.sha }}\n    ```\n\n2. Push it.",
    "Set the image tag with `${{ github.sha }}` so that every build is traceable.",
    "The expression ${{ secrets.TOKEN }} reads a repository secret at run time.",
    # Helm and Go templates
    "```yaml\nimage: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n{{- if .Values.ingress.enabled }}\n```",
    "Helm fills `{{ .Release.Name }}` with the name given to `helm install`.",
    # Jinja, Ansible, Handlebars, Vue
    "In Jinja you loop like this:\n\n```html\n{% for user in users %}<li>{{ user.name }}</li>{% endfor %}\n```",
    "Use a filter: {{ name | upper }} prints the name in capitals.",
    "An indented example:\n\n    - name: Install\n      apt: name={{ item }} state=present\n\nThat installs every package.",
    "Here is the template: ```handlebars <p>{{firstName}} {{lastName}}</p>``` and it renders both names.",
    "Vue binds text with double braces, as in `{{ message }}`.",
]
TEMPLATE_PROMPTS = [("How do I write a Jinja2 template for a user list?", "Write <ul>{% raw %}{{ users }}{% endraw %}</ul>."),
                    ("Explain Handlebars placeholders.", "A placeholder such as {{firstName}} is replaced by the context value."),
                    ("Write a template email with placeholders.", "Dear {{customer_name}},\n\nYour order has shipped.")]
GAPS = ["{{customer_name}}", "[TODO]", "[INSERT DATE]", "<your answer here>", "<PLACEHOLDER>",
        "Lorem ipsum", "[TBD: add the price]", "<insert code here>", "{{ name }}", "<COMPANY_NAME>"]


def test_template_content_is_not_an_unfilled_placeholder() -> None:
    for answer in TEMPLATE_ANSWERS:
        assert "unfilled_placeholder" not in codes(answer, user="Show me an example."), answer
    for user, answer in TEMPLATE_PROMPTS:
        assert "unfilled_placeholder" not in codes(answer, user=user), answer


def test_gaps_left_in_prose_are_found() -> None:
    for gap in GAPS:
        answer = f"Thank you for your order. The delivery date is {gap} and we will confirm it by email."
        assert "unfilled_placeholder" in codes(answer), gap
    code_then_gap = TEMPLATE_ANSWERS[0] + "\n\nReplace [TODO] with your branch name."
    assert "unfilled_placeholder" in codes(code_then_gap)


def test_no_placeholder_in_the_clean_samples() -> None:
    from pathlib import Path

    from check_helpers import RUBRIC

    from curate.api import read_records
    from curate.records import Record

    root = Path(__file__).parents[2] / "samples"
    records = [
        r
        for path in sorted(root.glob("*.*")) + sorted(root.glob("llama_factory/*.json"))
        if path.suffix in (".json", ".jsonl", ".csv", ".parquet") and path.name != "dataset_info.json"
        for r in read_records(path)
        if isinstance(r, Record)
    ]
    check = CompletenessCheck(RUBRIC.checks.completeness, RUBRIC)
    found = [r.id for r in records if any(f.code == "unfilled_placeholder" for f in check.check(r, None))]
    assert len(records) >= 150 and found == []
