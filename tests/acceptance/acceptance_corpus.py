"""A seeded multilingual corpus in public dataset shapes, with planted defects at known rows."""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A test rubric: a small target so over-length answers stay small (clean answers are under
# about 400 estimated tokens, planted over-length ones about 1,500).
RUBRIC = """\
default_target: acceptance-1k
targets:
  acceptance-1k:
    encoding: o200k_base
    max_tokens: 1024
    template: openai
    note: "a 1,024-token target that keeps the acceptance test's over-length records small"
"""
TARGET = "acceptance-1k"

TOPICS: list[tuple[str, list[str]]] = [
    ("a vegetable garden", ["tomato seedlings", "compost", "drip irrigation", "mulch", "raised beds"]),
    ("a small bakery", ["sourdough starter", "oven schedules", "the morning rush", "flour suppliers",
                        "display cases"]),
    ("a home aquarium", ["water changes", "the nitrogen cycle", "filter media", "tank mates",
                         "algae growth"]),
    ("a marathon training plan", ["long runs", "tempo sessions", "recovery days", "running shoes",
                                  "carbohydrate loading"]),
    ("a personal budget", ["emergency savings", "fixed costs", "grocery spending", "credit card debt",
                           "automatic transfers"]),
    ("a community library", ["volunteer shifts", "late returns", "reading circles", "donated books",
                             "opening hours"]),
    ("a beginner photography hobby", ["shutter speed", "natural light", "prime lenses", "composition",
                                      "photo editing"]),
    ("a remote software team", ["code reviews", "stand-up meetings", "time zones", "written specs",
                                "on-call rotations"]),
    ("a backyard chicken coop", ["nesting boxes", "predator fencing", "layer feed", "winter lighting",
                                 "egg collection"]),
    ("a language exchange meetup", ["conversation pairs", "pronunciation drills", "venue booking",
                                    "icebreaker games", "vocabulary lists"]),
    ("a used bicycle purchase", ["frame size", "chain wear", "brake pads", "test rides",
                                 "price negotiation"]),
    ("a school science fair", ["hypothesis writing", "control groups", "poster layout",
                               "judging criteria", "safety goggles"]),
    ("a food truck business", ["street permits", "menu pricing", "generator noise", "social media",
                               "lunch crowds"]),
    ("a first apartment move", ["lease terms", "security deposits", "moving boxes", "utility setup",
                                "renter insurance"]),
    ("a wedding speech", ["opening lines", "personal stories", "timing", "a closing toast",
                          "nervous energy"]),
    ("a podcast launch", ["microphone choice", "episode length", "guest booking", "audio editing",
                          "show notes"]),
    ("a houseplant collection", ["watering schedules", "drainage holes", "indirect sunlight",
                                 "repotting", "fungus gnats"]),
    ("a job interview", ["company research", "behavioral questions", "salary expectations",
                         "follow-up emails", "portfolio samples"]),
    ("a family road trip", ["rest stops", "snack planning", "car maintenance", "audiobooks",
                            "motel reservations"]),
    ("a recycling program at work", ["sorting bins", "contamination", "staff training", "pickup days",
                                     "paper reduction"]),
    ("a chess improvement plan", ["opening repertoire", "endgame drills", "tactics puzzles",
                                  "game analysis", "time controls"]),
    ("a neighborhood cleanup", ["trash grabbers", "volunteer sign-ups", "city permits", "safety vests",
                                "donated gloves"]),
    ("a home espresso setup", ["grind size", "water temperature", "milk steaming", "bean freshness",
                               "machine descaling"]),
    ("a weekly meal prep routine", ["batch cooking", "storage containers", "protein portions",
                                    "shopping lists", "freezer space"]),
    ("a small online shop", ["product photos", "shipping rates", "customer reviews", "return policies",
                             "inventory counts"]),
    ("a beginner guitar practice", ["chord changes", "finger calluses", "metronome work",
                                    "string gauges", "strumming patterns"]),
    ("a hiking trip in the mountains", ["trail maps", "water filters", "layered clothing",
                                        "altitude headaches", "weather forecasts"]),
    ("a customer support desk", ["ticket triage", "canned replies", "escalation rules",
                                 "response times", "angry callers"]),
    ("a data cleaning project", ["missing values", "duplicate rows", "date formats", "outliers",
                                 "column naming"]),
    ("a classroom reading program", ["leveled books", "reading logs", "parent volunteers",
                                     "quiet corners", "weekly goals"]),
]

ADJ = ["practical", "simple", "reliable", "steady", "careful", "clear", "flexible", "patient",
       "consistent", "realistic", "measured", "thoughtful"]
WHO = ["beginners", "busy parents", "students", "retirees", "small teams", "first-time owners",
       "volunteers", "experienced hobbyists"]
TIME = ["week", "fortnight", "month", "season", "quarter"]

SENTENCES = [
    "Start with {a}, because it shapes almost every later decision about {t}.",
    "Many {who} find that {a} matters more than {b} during the first {n} weeks.",
    "Keep a {adj} record of {a} so you can see what actually changed from one {time} to the next.",
    "If {b} keeps causing trouble, look at how you handle {a} before buying anything new.",
    "A {adj} routine around {b} usually beats an ambitious plan that nobody follows.",
    "Set aside about {n} minutes each {time} to review {a} and adjust the plan.",
    "Ask someone who has run {t} for a few years how they deal with {b}; their answer saves time.",
    "Avoid changing {a} and {b} at the same time, or you will not know which change helped.",
    "Write down what you expect from {b} before you start, then compare it with what happens.",
    "Small improvements to {a} add up quickly when {who} repeat them every {time}.",
    "Budget a little extra for {b}, since it is the part of {t} that most often runs over.",
    "When {a} goes wrong, fix the cause first and only then worry about {b}.",
    "It helps to explain your approach to {a} in one sentence; if you cannot, simplify it.",
    "Check {b} early in the {time} rather than at the end, when problems are harder to undo.",
    "For {who}, the hardest part of {t} is usually staying {adj} about {a}.",
    "Treat {b} as an experiment: try one change for {n} days and keep it only if it works.",
    "Share your notes on {a} with the people involved, so nobody repeats the same mistake.",
    "Most setbacks with {b} come from rushing, so give yourself more time than seems necessary.",
    "A short checklist for {a} keeps {t} on track when you are tired or distracted.",
    "Celebrate the first {n} small wins with {b}; motivation matters more than perfection.",
]

INSTRUCTIONS = [
    "Give me some advice on {a} for {t}.",
    "What should {who} know about {b} when starting {t}?",
    "Explain how {a} affects {t}.",
    "Write a short paragraph with tips about {b} in {t}.",
    "How can I improve {a} without spending much money?",
    "What are common mistakes with {b}, and how do I avoid them?",
    "Describe a {adj} approach to {a} for {t}.",
    "I am planning {t}. How should I think about {a} and {b}?",
]
INPUT_INSTRUCTIONS = [
    "Summarize the following notes about {t}.",
    "Rewrite the following advice so it sounds friendlier.",
    "Turn the following notes into a short list of recommendations.",
]


@dataclass
class Planted:
    """One row of a corpus file: what it is (``clean`` or a defect) and any feature it shows."""

    file: str
    row: int  # 1-based row (JSON array element or JSONL line)
    label: str  # "clean" or the defect planted
    kind: str  # sft, preference or unpaired
    feature: str = ""


@dataclass
class Corpus:
    """The files written and the label of every row."""

    root: Path
    files: list[str] = field(default_factory=list)
    rows: list[Planted] = field(default_factory=list)


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.used: set[str] = set()

    def slots(self) -> dict[str, Any]:
        t, items = self.r.choice(TOPICS)
        a, b = self.r.sample(items, 2)
        return {"t": t, "a": a, "b": b, "adj": self.r.choice(ADJ), "who": self.r.choice(WHO),
                "time": self.r.choice(TIME), "n": self.r.randint(2, 12)}

    def sentences(self, s: dict[str, Any], k: int) -> list[str]:
        out = []
        for tpl in self.r.sample(SENTENCES, k):
            local = dict(s, n=self.r.randint(2, 14), adj=self.r.choice(ADJ),
                         who=self.r.choice(WHO), time=self.r.choice(TIME))
            text = tpl.format(**local)
            out.append(text[0].upper() + text[1:])
        return out

    def answer(self, s: dict[str, Any], k: int | None = None) -> str:
        k = k or self.r.randint(3, 6)
        parts = self.sentences(s, k)
        if self.r.random() < 0.35:
            return "\n".join(f"{i}. {p}" for i, p in enumerate(parts, 1))
        if k >= 5 and self.r.random() < 0.5:
            return " ".join(parts[:2]) + "\n\n" + " ".join(parts[2:])
        return " ".join(parts)

    def instruction(self, s: dict[str, Any]) -> str:
        """A prompt for ``s`` that no earlier record of the corpus has (dedupe compares prompts)."""
        for tpl in self.r.sample(INSTRUCTIONS, len(INSTRUCTIONS)):
            text = tpl.format(**s)
            text = text[0].upper() + text[1:]
            if text not in self.used:
                break
        while text in self.used:
            text += f" I can spend about {self.r.randint(2, 40)} hours on it."
        self.used.add(text)
        return text

    def zh_instruction(self, s: dict[str, Any]) -> str:
        for tpl in self.r.sample(ZH_INSTRUCTIONS, len(ZH_INSTRUCTIONS)):
            text = tpl.format(**s)
            if text not in self.used:
                break
        while text in self.used:
            text += f"我每周大约有{self.r.randint(2, 40)}个小时。"
        self.used.add(text)
        return text


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _clip(text: str, rng: random.Random) -> str:
    """Cut a long answer mid-sentence: inside its last third, a few words into a sentence."""
    words = text.split(" ")
    lo = len(words) * 2 // 3
    for _ in range(50):
        i = rng.randint(lo, len(words) - 2)
        prev, word = words[i - 1], words[i]
        if not prev.endswith((".", ":", "\n")) and word[-1:].isalpha() and "\n" not in word:
            return " ".join(words[: i + 1])
    return " ".join(words[: lo + 3])


def _secret(rng: random.Random, kind: str) -> str:
    up = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    if kind == "aws":
        return "AKIA" + "".join(rng.choice(up) for _ in range(16))
    if kind == "github":
        return "ghp_" + "".join(rng.choice(alnum) for _ in range(36))
    body = "\n".join("".join(rng.choice(alnum + "+/") for _ in range(64)) for _ in range(6))
    return f"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA{body}\n-----END RSA PRIVATE KEY-----"


# Short complete answers, placeholders and template syntax a real set holds (all clean).
SHORT = [
    ("Create a hashtag for a campaign that encourages people to adopt rescue dogs.", "#PuppyLove"),
    ("Convert 210 degrees Fahrenheit to Celsius and show the last step.", "5/9 = 98.9°C"),
    ("List three countries in South America, ranked by how much coffee I should try there.",
     "1. Brazil 2. Argentina 3. Chile"),
    ("What is the chemical symbol for gold?", "Au"),
    ("Give a one-word synonym for 'happy'.", "Joyful"),
    ("What is 17 multiplied by 23?", "391"),
    ("Name the author of 'Pride and Prejudice'.", "Jane Austen"),
    ("Classify the following animal as a mammal, bird or reptile: penguin", "Bird"),
    ("Write the past tense of the verb 'swim'.", "Swam"),
    ("Which planet is known as the Red Planet?", "Mars"),
    ("Suggest a title for a blog post about saving money on groceries.",
     "Smart Carts: Feeding a Family on Less"),
    ("Reverse the word 'stressed'.", "desserts"),
]
PLACEHOLDER_EMAILS = ["alice@email.com", "yourname@yourdomain.com", "john.doe@example.com"]
PHONES = ["(555) 123-4567", "555-0142", "+1 555 867 5309"]


def _email_answer(g: _Gen, s: dict[str, Any], i: int) -> tuple[str, str]:
    addr = PLACEHOLDER_EMAILS[i % 3]
    phone = PHONES[i % 3]
    q = f"Draft a short message inviting neighbors to help with {s['t']}, with contact details."
    body = " ".join(g.sentences(s, 2))
    a = (f"Subject: Help wanted with {s['t']}\n\nHi everyone,\n\n{body}\n\n"
         f"If you would like to join, write to {addr} or call {phone}.\n\nThanks,\nThe organizers")
    return q, a


WORKFLOWS = [
    ("runs the unit tests on every push", "test", [
        "- uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'",
        "- run: pip install -e .[test]",
        "- run: pytest -q --junitxml=report.xml",
        "- run: echo \"Tests passed for ${{ github.repository }} at ${{ github.sha }}\""],
     "The last step prints `${{ github.repository }}`, which expands to owner/name, so the log "
     "says which project the report belongs to."),
    ("builds a Docker image and tags it with the repository name", "docker", [
        "- uses: docker/setup-buildx-action@v3",
        "- run: docker build -t ghcr.io/${{ github.repository }}:${{ github.sha }} .",
        "- run: echo ${{ secrets.GITHUB_TOKEN }} | docker login ghcr.io -u ${{ github.actor }} "
        "--password-stdin",
        "- run: docker push ghcr.io/${{ github.repository }}:${{ github.sha }}"],
     "Image names on GHCR must be lowercase; if your organisation name has capitals, lowercase it "
     "in a shell step before tagging."),
    ("publishes the documentation site when main changes", "docs", [
        "- uses: actions/setup-node@v4\n        with:\n          node-version: 20",
        "- run: npm ci && npm run docs:build",
        "- uses: actions/upload-pages-artifact@v3\n        with:\n          path: docs/.vitepress/dist",
        "- uses: actions/deploy-pages@v4"],
     "Enable GitHub Pages with the Actions source in the repository settings first, otherwise the "
     "deploy step fails with a 404."),
    ("labels new issues that mention the word crash", "triage", [
        "- uses: actions/github-script@v7\n        with:\n          script: |\n"
        "            if (context.payload.issue.body.includes('crash')) {\n"
        "              await github.rest.issues.addLabels({owner: context.repo.owner,\n"
        "                repo: context.repo.repo, issue_number: context.issue.number,\n"
        "                labels: ['bug']});\n            }",
        "- run: echo \"Triaged issue ${{ github.event.issue.number }} in ${{ github.repository }}\""],
     "The workflow needs `issues: write` under `permissions`, because the default token is "
     "read-only in newer repositories."),
    ("caches Gradle dependencies and runs the Android lint", "android-lint", [
        "- uses: actions/setup-java@v4\n        with:\n          distribution: temurin\n"
        "          java-version: 17\n          cache: gradle",
        "- run: ./gradlew lintDebug",
        "- uses: actions/upload-artifact@v4\n        with:\n          name: lint-${{ github.run_id }}"
        "\n          path: app/build/reports/lint-results-debug.html"],
     "Caching Gradle through setup-java usually cuts a cold lint run from several minutes to under "
     "two."),
    ("posts a Slack message when a release is published", "notify", [
        "- run: |\n          curl -X POST -H 'Content-type: application/json' \\\n"
        "            --data \"{\\\"text\\\": \\\"${{ github.repository }} released "
        "${{ github.event.release.tag_name }}\\\"}\" \\\n            ${{ secrets.SLACK_WEBHOOK_URL }}"],
     "Store the webhook address as a repository secret; never paste it into the workflow file."),
]


def _actions_answer(g: _Gen, i: int) -> tuple[str, str]:
    what, job, steps, note = WORKFLOWS[i % len(WORKFLOWS)]
    q = f"Write a GitHub Actions workflow that {what}."
    trigger = {"docs": "push:\n    branches: [main]", "triage": "issues:\n    types: [opened]",
               "notify": "release:\n    types: [published]"}.get(job, "[push, pull_request]")
    body = "\n".join(f"      {step}" for step in ["- uses: actions/checkout@v4", *steps])
    a = (f"```yaml\nname: {job}\non:\n  {trigger}\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n"
         f"    steps:\n{body}\n```\n\n{note}")
    return q, a


ZH_TOPICS = [
    ("学习 Python 编程", ["变量命名", "列表推导式", "pandas 数据分析", "调试技巧", "虚拟环境"]),
    ("种植阳台蔬菜", ["番茄幼苗", "浇水频率", "有机肥料", "光照时间", "病虫害"]),
    ("准备英语考试", ["词汇记忆", "听力练习", "写作模板", "模拟考试", "时间分配"]),
    ("管理个人财务", ["应急储蓄", "信用卡账单", "每月预算", "基金定投", "记账软件"]),
    ("使用 Excel 整理数据", ["数据透视表", "VLOOKUP 函数", "条件格式", "重复数据", "图表设计"]),
    ("开始跑步锻炼", ["热身运动", "跑鞋选择", "配速控制", "拉伸放松", "心率监测"]),
    ("学习摄影", ["光圈大小", "快门速度", "构图方法", "后期修图", "Lightroom 预设"]),
    ("准备工作面试", ["自我介绍", "项目经历", "薪资谈判", "行为问题", "感谢邮件"]),
    ("养一只小猫", ["猫砂选择", "疫苗接种", "饮食搭配", "磨爪习惯", "定期体检"]),
    ("阅读经典小说", ["人物关系", "读书笔记", "《Harry Potter》系列", "作者背景", "阅读计划"]),
    ("学习机器学习", ["线性回归", "过拟合", "TensorFlow 框架", "特征工程", "交叉验证"]),
    ("规划家庭旅行", ["行程安排", "酒店预订", "签证材料", "旅行保险", "当地交通"]),
]
ZH_SENTENCES = [
    "首先要关注{a}，因为它会影响{t}的很多后续决定。",
    "很多初学者发现，在最初的{n}周里，{a}比{b}更重要。",
    "建议每周花大约{n}十分钟回顾一下{a}，并根据情况调整计划。",
    "如果{b}总是出问题，先检查自己处理{a}的方式，再考虑购买新工具。",
    "把关于{a}的心得记录下来，这样下次遇到类似情况就能更快解决。",
    "不要同时改变{a}和{b}，否则很难判断到底是哪一个改动起了作用。",
    "可以向有经验的人请教他们如何处理{b}，这样能少走很多弯路。",
    "每天坚持一点点改进{a}，{n}个月后你会看到明显的变化。",
    "在开始之前写下你对{b}的期望，之后再和实际结果做比较。",
    "遇到困难时不要着急，{t}本来就需要耐心和持续的练习。",
    "可以参考 Albert Einstein 的一句话：保持简单，但不要过于简单，这也适用于{a}。",
    "像 Google 或 Microsoft 这样的公司也会定期复盘，你也可以用同样的方法对待{b}。",
]
ZH_INSTRUCTIONS = [
    "关于{t}，你对{a}有什么建议？",
    "初学者在{t}时应该如何处理{b}？",
    "请解释{a}对{t}有什么影响。",
    "请写一段关于{t}中{b}的小贴士。",
    "{t}时常见的错误有哪些？应该怎样避免？",
]

IDENTITY = [
    ("hi", "Hello! I am Curio, an AI assistant built by Lumen Labs. How can I help you today?"),
    ("Who are you?", "I'm Curio, a conversational assistant that Lumen Labs trained to answer "
     "questions, draft text and explain ideas."),
    ("What is your name?", "My name is Curio."),
    ("Who created you?", "Lumen Labs created me. Their engineers trained and tested me before "
     "release."),
    ("Are you ChatGPT?", "No, I am not ChatGPT. I am Curio, a separate assistant developed by "
     "Lumen Labs."),
    ("What can you do?", "I can answer questions, summarize documents, help with writing and "
     "brainstorm ideas with you."),
    ("Do you have feelings?", "I don't have feelings or experiences; I generate replies from "
     "patterns in text I learned during training."),
    ("Hello there", "Hi! Curio here. What would you like to work on?"),
    ("Introduce yourself briefly.", "Curio, an assistant from Lumen Labs, at your service for "
     "questions big and small."),
    ("Can you browse the internet?", "Not in this setup: I answer from what I learned in "
     "training, so recent news may be missing."),
    ("Which company made you?", "Lumen Labs, a small research company, made and maintains me."),
    ("Thanks for your help!", "You're welcome! Come back any time you have another question."),
    ("你好", "你好！我是 Curio，由 Lumen Labs 开发的人工智能助手。请问有什么可以帮你？"),
    ("你是谁？", "我是 Curio，一个由 Lumen Labs 训练的对话助手，可以回答问题和帮助写作。"),
    ("你叫什么名字？", "我的名字是 Curio。"),
    ("谁开发了你？", "我是由 Lumen Labs 的工程师团队开发和训练的。"),
    ("你能做什么？", "我可以回答问题、总结文章、翻译句子，还可以和你一起头脑风暴。"),
    ("你会说中文吗？", "会的，我可以用中文和你交流，也可以使用英文。"),
]

TOOLS = [
    {"name": "get_weather", "description": "Current weather for a city.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                    "required": ["city"]}},
    {"name": "convert_currency", "description": "Convert an amount between currencies.",
     "parameters": {"type": "object", "properties": {"amount": {"type": "number"},
                                                      "from": {"type": "string"},
                                                      "to": {"type": "string"}},
                    "required": ["amount", "from", "to"]}},
    {"name": "calculate_tip", "description": "Tip for a bill at a percentage.",
     "parameters": {"type": "object", "properties": {"bill": {"type": "number"},
                                                      "percent": {"type": "number"}},
                    "required": ["bill", "percent"]}},
]
CITIES = ["Lisbon", "Osaka", "Nairobi", "Denver", "Krakow", "Lima", "Hanoi", "Perth", "Oslo",
          "Toronto", "Seville", "Tbilisi", "Quito", "Dublin", "Austin", "Porto", "Accra", "Bergen",
          "Cusco", "Da Nang", "Graz", "Halifax", "Izmir", "Leeds"]
SKY = ["light rain", "clear skies", "scattered clouds", "fog", "a light breeze", "thunderstorms"]
CUR = [("USD", "EUR", 0.92), ("GBP", "JPY", 189.4), ("EUR", "CHF", 0.95), ("CAD", "USD", 0.73),
       ("AUD", "NZD", 1.09), ("USD", "MXN", 17.1)]


def _tool_chat(g: _Gen, i: int) -> dict[str, Any]:
    r = g.r
    which = i % 3
    if which == 0:
        city = CITIES[(i // 3) % len(CITIES)]
        temp, sky = r.randint(-5, 34), r.choice(SKY)
        q = r.choice([f"What's the weather like in {city} right now?",
                      f"Should I take a jacket in {city} today?",
                      f"Can you check the current conditions in {city} for me?"])
        call = {"name": "get_weather", "arguments": {"city": city}}
        obs = {"city": city, "temperature_c": temp, "conditions": sky}
        ans = r.choice([f"It is currently {temp}°C in {city} with {sky}.",
                        f"Right now {city} reports {sky} and {temp}°C.",
                        f"The latest reading for {city}: {temp}°C, {sky}."]) + " " + (
            r.choice(["A warm jacket would be a good idea.", "Bring a coat and maybe gloves.",
                      "Dress in layers; it will feel colder in the wind."]) if temp < 12 else
            r.choice(["A light layer should be enough.", "A T-shirt will do for most of the day.",
                      "No jacket needed unless you are out late."]))
    elif which == 1:
        src, dst, rate = r.choice(CUR)
        amount = r.randint(20, 5000)
        q = f"How much is {amount} {src} in {dst}?"
        call = {"name": "convert_currency", "arguments": {"amount": amount, "from": src, "to": dst}}
        result = round(amount * rate, 2)
        obs = {"converted_amount": result, "rate": rate}
        ans = r.choice([f"{amount} {src} is about {result:,.2f} {dst} at a rate of {rate}.",
                        f"At today's rate of {rate}, you would get roughly {result:,.2f} {dst}.",
                        f"That converts to {result:,.2f} {dst} (1 {src} = {rate} {dst})."])
    else:
        bill, pct = round(r.uniform(12, 240), 2), r.choice([10, 12, 15, 18, 20, 22])
        tip = round(bill * pct / 100, 2)
        q = f"My restaurant bill is ${bill:.2f}. What is a {pct}% tip?"
        call = {"name": "calculate_tip", "arguments": {"bill": bill, "percent": pct}}
        obs = {"tip_amount": tip, "total": round(bill + tip, 2)}
        ans = r.choice([f"A {pct}% tip on ${bill:.2f} is ${tip:.2f}, so the total comes to "
                        f"${bill + tip:.2f}.",
                        f"Leave ${tip:.2f} as the tip; with it you pay ${bill + tip:.2f} in all.",
                        f"The tip works out to ${tip:.2f}, making the bill ${bill + tip:.2f}."])
    return {"conversations": [
        {"from": "human", "value": q},
        {"from": "function_call", "value": json.dumps(call)},
        {"from": "observation", "value": json.dumps(obs)},
        {"from": "gpt", "value": ans},
    ], "tools": json.dumps(TOOLS)}


REJECTED = [
    "I am not sure. You could search online for {a}.",
    "Just do whatever feels right with {b}; it does not really matter.",
    "{a} is not important, so skip it and focus on something else.",
    "Buy the most expensive option for {b} and you will be fine.",
    "There is no good advice about {a}. Everyone has to figure it out alone.",
    "Ignore {b} completely until something breaks.",
    "Honestly, {t} is a waste of time for {who}.",
    "Ask a friend, they probably know more about {b} than I do.",
    "Change everything about {a} at once and see what sticks.",
    "Nobody really plans {a}; people just improvise every {time}.",
    "Skip the research on {b}, experience is overrated.",
    "Spend at least {n} hundred dollars on {a} or do not bother.",
]
FOLLOW = ["Can you give me a concrete example?", "Thanks. What about {b}?",
          "How would that change for {who}?", "What should I do first this {time}?"]
# Text that looks like a credential but is none: documentation examples and placeholders.
LOOKALIKES = [
    ("How do I configure the AWS CLI for the first time?",
     "Run `aws configure` and paste your access key and secret when asked. The AWS documentation "
     "uses AKIAIOSFODNN7EXAMPLE as its example access key; it is not a working credential."),
    ("What do GitHub personal access tokens look like?",
     "Classic tokens start with the prefix ghp_ followed by 36 characters, and fine-grained tokens "
     "start with github_pat_. Treat either like a password."),
    ("How should I set my OpenAI key in a shell script?",
     "Read it from the environment instead of the script:\n\n```bash\n"
     "export OPENAI_API_KEY=\"sk-your-key-here\"\npython app.py\n```\n\n"
     "Replace the value with your own key and keep it out of version control."),
    ("Is it safe to share my SSH public key?",
     "Yes. The block that begins with -----BEGIN PUBLIC KEY----- or the line starting with "
     "ssh-ed25519 is meant to be shared; only the private half must stay secret."),
]
# Clean records that carry a warning the default policy keeps (a template left in, a real address).
WARNED = [
    ("Write a short cover letter for a barista job.",
     "Dear Hiring Manager,\n\nI would love to join your café as a barista. I have two years of "
     "experience with espresso machines and enjoy a busy morning rush.\n\nSincerely,\n[Your Name]"),
    ("Write a thank-you note to a teacher.",
     "Dear [Teacher's Name],\n\nThank you for your patience and encouragement this year. Your "
     "lessons made science my favorite subject.\n\nWith gratitude,\n[Your Name]"),
    ("Who should I contact about the garden club?",
     "Write to margaret.okafor71@gmail.com; she keeps the volunteer rota and replies within a day."),
]
SYSTEMS = ["You are a friendly assistant who gives practical, concise advice.",
           "You are a careful expert. Answer clearly and avoid jargon."]


def build(root: Path, seed: int = 7) -> Corpus:
    """Write the corpus files under ``root`` and return every row's label."""
    root.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    r = g.r
    corpus = Corpus(root)

    def write(name: str, kind: str, rows: list[tuple[Any, str, str]], jsonl: bool = False) -> None:
        order = list(range(len(rows)))
        r.shuffle(order)
        out = [rows[i] for i in order]
        path = root / name
        if jsonl:
            path.write_text("".join(json.dumps(o[0], ensure_ascii=False) + "\n" for o in out))
        else:
            path.write_text(json.dumps([o[0] for o in out], ensure_ascii=False, indent=1))
        corpus.files.append(name)
        for n, (_, label, feature) in enumerate(out, 1):
            corpus.rows.append(Planted(name, n, label, kind, feature))

    def long_answer(s: dict[str, Any]) -> str:
        parts = g.sentences(s, 12)
        return " ".join(parts[:6]) + "\n\n" + " ".join(parts[6:])

    # alpaca_en-style English instructions
    en: list[tuple[Any, str, str]] = []
    for _ in range(300):
        s = g.slots()
        if r.random() < 0.2:
            notes = " ".join(g.sentences(s, 3))
            instr = r.choice(INPUT_INSTRUCTIONS).format(**s)
            en.append(({"instruction": instr, "input": notes,
                        "output": " ".join(g.sentences(s, 3))}, "clean", "with_input"))
        else:
            en.append(({"instruction": g.instruction(s), "input": "", "output": g.answer(s)},
                       "clean", ""))
    for q, a in SHORT:
        en.append(({"instruction": q, "input": "", "output": a}, "clean", "short_answer"))
    for i in range(9):
        q, a = _email_answer(g, g.slots(), i)
        en.append(({"instruction": q, "input": "", "output": a}, "clean", "placeholder_contact"))
    for i in range(6):
        q, a = _actions_answer(g, i)
        en.append(({"instruction": q, "input": "", "output": a}, "clean", "github_actions"))
    for _ in range(20):  # LLaMA-Factory alpaca with history
        s = g.slots()
        first = g.instruction(s)
        en.append(({"instruction": r.choice(FOLLOW).format(**s), "input": "",
                    "output": " ".join(g.sentences(s, r.randint(2, 4))),
                    "history": [[first, g.answer(s)]]}, "clean", "history"))
    for _ in range(15):  # ... and with a system prompt
        s = g.slots()
        en.append(({"instruction": g.instruction(s), "input": "", "output": g.answer(s),
                    "system": r.choice(SYSTEMS)}, "clean", "system_prompt"))
    for q, a in LOOKALIKES:
        en.append(({"instruction": q, "input": "", "output": a}, "clean", "secret_lookalike"))
    for q, a in WARNED:
        en.append(({"instruction": q, "input": "", "output": a}, "clean", "warning_expected"))
    # defects
    for _ in range(12):
        s = g.slots()
        en.append(({"instruction": g.instruction(s), "input": "",
                    "output": _clip(long_answer(s), r)}, "truncated", ""))
    for _ in range(3):
        s = g.slots()
        items = "\n".join(f"{i}. {p}" for i, p in enumerate(g.sentences(s, 6), 1))
        en.append(({"instruction": f"List some tips for {s['t']}.", "input": "",
                    "output": _clip(items, r)}, "truncated", "list"))
    for _ in range(4):
        s = g.slots()
        en.append(({"instruction": g.instruction(s), "input": "", "output": ""}, "empty", ""))
    en.append(({"instruction": "Tell me about compost.", "input": "", "output": "   "}, "empty", ""))
    for i in range(4):
        key = _secret(r, "aws")
        en.append(({"instruction": f"How do I point the AWS CLI at my account for project {i + 1}?",
                    "input": "", "output": (
                        "Set the credentials in your shell before running the CLI:\n\n```bash\n"
                        f"export AWS_ACCESS_KEY_ID={key}\nexport AWS_DEFAULT_REGION=eu-west-1\n"
                        "aws s3 ls\n```\n\nThe CLI reads these variables on every call.")},
                   "secret", "aws"))
    for i in range(3):
        en.append(({"instruction": f"Show me the deploy key for server number {i + 3}.",
                    "input": "", "output": "Here it is:\n\n```\n" + _secret(r, "pem")
                    + "\n```\n\nCopy it to ~/.ssh/id_rsa and set its mode to 600."},
                   "secret", "private_key"))
    for _ in range(6):
        s = g.slots()
        body = "\n\n".join(" ".join(g.sentences(s, 10)) for _ in range(9))
        en.append(({"instruction": f"Write a complete, detailed handbook about {s['t']}.",
                    "input": "", "output": body}, "too_long", ""))
    write("alpaca_en.json", "sft", en)

    # alpaca_zh-style Chinese instructions, some with Latin names and terms
    zh: list[tuple[Any, str, str]] = []
    for _ in range(160):
        t, items = r.choice(ZH_TOPICS)
        a, b = r.sample(items, 2)
        s = {"t": t, "a": a, "b": b}
        parts = [tpl.format(**s, n=r.randint(2, 9)) for tpl in r.sample(ZH_SENTENCES, r.randint(3, 5))]
        out = "".join(parts) if r.random() < 0.6 else "\n".join(
            f"{i}. {p}" for i, p in enumerate(parts, 1))
        latin = any(c.isascii() and c.isalpha() for c in out)
        zh.append(({"instruction": g.zh_instruction(s), "input": "",
                    "output": out}, "clean", "latin_terms" if latin else ""))
    for _ in range(3):
        t, items = r.choice(ZH_TOPICS)
        a, b = r.sample(items, 2)
        out = "".join(tpl.format(t=t, a=a, b=b, n=r.randint(2, 9))
                      for tpl in r.sample(ZH_SENTENCES, 6))
        cut = out.rfind("。", 0, len(out) - 12) + 1 + r.randint(6, 10)  # inside the last sentences
        zh.append(({"instruction": ZH_INSTRUCTIONS[0].format(t=t, a=a), "input": "",
                    "output": out[:cut]}, "truncated", "cjk"))
    write("alpaca_zh.json", "sft", zh)

    # LLaMA-Factory identity-style short answers
    write("identity.json", "sft",
          [({"instruction": q, "input": "", "output": a}, "clean", "identity") for q, a in IDENTITY])

    # FastChat / ShareGPT multi-turn conversations
    chats: list[tuple[Any, str, str]] = []
    follow = FOLLOW
    for i in range(140):
        s = g.slots()
        turns = [{"from": "human", "value": g.instruction(s)}, {"from": "gpt", "value": g.answer(s)}]
        if i % 7 == 0:
            turns.insert(0, {"from": "system", "value": SYSTEMS[i % 2]})
        for _ in range(r.randint(1, 2)):
            turns += [{"from": "human", "value": r.choice(follow).format(**s)},
                      {"from": "gpt", "value": " ".join(g.sentences(s, r.randint(2, 3)))}]
        chats.append(({"id": f"sg_{seed}_{i:04d}", "conversations": turns}, "clean", "multi_turn"))
    for i in range(4):
        s = g.slots()
        chats.append(({"id": f"bad_{i}", "conversations": [
            {"from": "human", "value": g.instruction(s)},
            {"from": "human", "value": "Also, please keep it short."},
            {"from": "gpt", "value": g.answer(s)}]}, "broken_turns", "two_user_turns"))
    for i in range(4):
        s = g.slots()
        chats.append(({"id": f"first_{i}", "conversations": [
            {"from": "gpt", "value": g.answer(s)},
            {"from": "human", "value": g.instruction(s)},
            {"from": "gpt", "value": g.answer(s)}]}, "broken_turns", "assistant_first"))
    for i in range(4):
        s = g.slots()
        tok = _secret(r, "github")
        chats.append(({"id": f"tok_{i}", "conversations": [
            {"from": "human", "value": f"How do I clone our private repo for {s['t']} in CI?"},
            {"from": "gpt", "value": "Put the token in the URL:\n\n```bash\ngit clone "
             f"https://{tok}@github.com/lumen/{s['a'].replace(' ', '-')}.git\n```\n\n"
             "That works from any runner."}]}, "secret", "github_token"))
    for i in range(4):
        s = g.slots()
        chats.append(({"id": f"empty_{i}", "conversations": [
            {"from": "human", "value": g.instruction(s)}, {"from": "gpt", "value": ""}]},
                      "empty", ""))
    for i in range(6):
        s = g.slots()
        chats.append(({"id": f"cut_{i}", "conversations": [
            {"from": "human", "value": g.instruction(s)}, {"from": "gpt", "value": g.answer(s)},
            {"from": "human", "value": "Could you expand on that in detail?"},
            {"from": "gpt", "value": _clip(long_answer(s), r)}]}, "truncated", ""))
    write("sharegpt_chat.json", "sft", chats)

    # glaive-style ShareGPT tool calling (tools as a JSON string)
    tools: list[tuple[Any, str, str]] = [(_tool_chat(g, i), "clean", "tool_call") for i in range(60)]
    for i in range(4):
        row = _tool_chat(g, 100 + i)
        del row["conversations"][1]
        tools.append((row, "broken_turns", "tool_result_without_call"))
    write("glaive_tools.json", "sft", tools)

    # DPO pairs, LLaMA-Factory sharegpt-preference shape: several pairs per prompt
    dpo: list[tuple[Any, str, str]] = []
    for _ in range(50):
        s = g.slots()
        prompt = g.instruction(s)
        rejected = r.sample(REJECTED, 3)
        for k in range(r.randint(2, 3)):
            dpo.append(({"conversations": [{"from": "human", "value": prompt}],
                         "chosen": {"from": "gpt", "value": g.answer(s)},
                         "rejected": {"from": "gpt", "value": _cap(rejected[k].format(**s))}},
                        "clean", "shared_prompt"))
    for i in range(4):
        s = g.slots()
        dpo.append(({"conversations": [{"from": "human", "value": g.instruction(s)}],
                     "chosen": {"from": "gpt", "value": _clip(long_answer(s), r)},
                     "rejected": {"from": "gpt", "value": REJECTED[i].format(**s)}},
                    "truncated", "chosen"))
    for i in range(3):
        s = g.slots()
        dpo.append(({"conversations": [{"from": "human", "value": g.instruction(s)}],
                     "chosen": {"from": "gpt", "value": ""},
                     "rejected": {"from": "gpt", "value": REJECTED[i].format(**s)}},
                    "empty", "chosen"))
    write("dpo_sharegpt.json", "preference", dpo)

    # DPO pairs, TRL conversational shape, some with a system prompt
    trl: list[tuple[Any, str, str]] = []
    for _ in range(40):
        s = g.slots()
        system = r.choice(SYSTEMS) if r.random() < 0.3 else None
        prompt = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": g.instruction(s)}]
        rejected = r.sample(REJECTED, 2)
        for k in range(2):
            trl.append(({"prompt": prompt,
                         "chosen": [{"role": "assistant", "content": g.answer(s)}],
                         "rejected": [{"role": "assistant",
                                       "content": _cap(rejected[k].format(**s))}]},
                        "clean", "system_prompt" if system else "shared_prompt"))
    for i in range(3):
        s = g.slots()
        trl.append(({"prompt": [{"role": "user", "content": g.instruction(s)}],
                     "chosen": [{"role": "assistant", "content": "Run this with the deploy token "
                                 f"`{_secret(r, 'github')}` set as GH_TOKEN."}],
                     "rejected": [{"role": "assistant", "content": REJECTED[i].format(**s)}]},
                    "secret", "github_token"))
    write("dpo_trl.jsonl", "preference", trl, jsonl=True)

    # Anthropic HH transcripts: several pairs per (multi-turn) prompt
    hh: list[tuple[Any, str, str]] = []
    for _ in range(40):
        s = g.slots()
        head = f"\n\nHuman: {g.instruction(s)}"
        if r.random() < 0.5:
            head += (f"\n\nAssistant: {' '.join(g.sentences(s, 2))}"
                     f"\n\nHuman: {r.choice(follow).format(**s)}")
        rejected = r.sample(REJECTED, 2)
        for k in range(2):
            hh.append(({"chosen": f"{head}\n\nAssistant: {g.answer(s)}",
                        "rejected": f"{head}\n\nAssistant: {_cap(rejected[k].format(**s))}"},
                       "clean", "shared_prompt"))
    for i in range(3):
        s = g.slots()
        head = f"\n\nHuman: {g.instruction(s)}"
        hh.append(({"chosen": f"{head}\n\nAssistant: {_clip(long_answer(s), r)}",
                    "rejected": f"{head}\n\nAssistant: {REJECTED[i].format(**s)}"},
                   "truncated", "chosen"))
    write("hh.jsonl", "preference", hh, jsonl=True)

    # KTO rows, LLaMA-Factory kto_en_demo shape (messages + boolean label)
    kto: list[tuple[Any, str, str]] = []
    for _ in range(80):
        s = g.slots()
        good = r.random() < 0.6
        answer = g.answer(s) if good else " ".join(
            _cap(t.format(**s)) for t in r.sample(REJECTED, 2))
        kto.append(({"messages": [{"role": "user", "content": g.instruction(s)},
                                  {"role": "assistant", "content": answer}], "label": good},
                    "clean", "desirable" if good else "undesirable"))
    for _ in range(3):
        s = g.slots()
        kto.append(({"messages": [{"role": "user", "content": g.instruction(s)},
                                  {"role": "assistant", "content": _clip(long_answer(s), r)}],
                     "label": True}, "truncated", ""))
    write("kto.jsonl", "unpaired", kto, jsonl=True)
    return corpus
