"""Prompt templates, one per writing task.

Each task turns the writer's input into chat messages (system + user, and for
"continue" an assistant prefix the model carries on from). The backend's chat
template renders them; models without a chat template get a plain layout.
"""

from __future__ import annotations

import dataclasses
import functools
import re

from ..unitext import CJK_CHAR, chinese_script, language

TASKS = {
    "article": "Article",
    "outline": "Outline",
    "continue": "Continue my draft",
    "rewrite": "Rewrite in a tone",
    "summarize": "Summarize",
    "headlines": "Headline ideas",
    "product_description": "Product description",
    "ad_copy": "Ad copy",
}
TONES = ("neutral", "formal", "casual", "persuasive", "friendly", "academic")
# Tasks whose `prompt` is the writer's own text (a draft), not a topic.
DRAFT_TASKS = ("continue", "rewrite", "summarize")

SYSTEM = "You are a skilled writer. Reply with the requested text only: no greeting, no notes, no remarks."

# Sampling defaults per task for small instruct models (WriteRequest.for_task uses them): lower
# temperatures where the text must follow the writer's (rewrite, summarize) or a brief's facts.
TASK_SAMPLING = {
    "article": dict(temperature=0.6, top_p=0.9, top_k=40, repetition_penalty=1.15),
    "outline": dict(temperature=0.5, top_p=0.9, top_k=40, repetition_penalty=1.1),
    "continue": dict(temperature=0.7, top_p=0.9, top_k=50, repetition_penalty=1.15),
    "rewrite": dict(temperature=0.3, top_p=0.9, top_k=40, repetition_penalty=1.05),
    "summarize": dict(temperature=0.3, top_p=0.9, top_k=40, repetition_penalty=1.05),
    "headlines": dict(temperature=0.8, top_p=0.95, top_k=50, repetition_penalty=1.15),
    "product_description": dict(temperature=0.5, top_p=0.9, top_k=40, repetition_penalty=1.1),
    "ad_copy": dict(temperature=0.6, top_p=0.9, top_k=40, repetition_penalty=1.1),
}
# Where a small model's reply turns into remarks to the user: generation stops there.
STOP_SEQUENCES = ("\nI hope", "\nLet me know", "\nFeel free to", "\nNote:", "\nNotes:", "\n**Note",
                  "\nI'll take it", "\nThis revised", "\nExplanation", "\nChanges made")


def stop_sequences(task: str, writer_text: str = "") -> tuple[str, ...]:
    """Stop sequences for ``task``: none for "continue" (the writer's story may say anything); for
    the others :data:`STOP_SEQUENCES`, minus any the writer's own text contains."""
    if task == "continue":
        return ()
    low = writer_text.lower()
    return tuple(s for s in STOP_SEQUENCES if s.strip().lower() not in low)

HEADLINES = 10

TONE_HINT = {
    "neutral": "a clear, neutral tone",
    "formal": "a formal, professional tone",
    "casual": "a casual, relaxed tone",
    "persuasive": "a persuasive tone that convinces the reader",
    "friendly": "a warm, friendly tone",
    "academic": "an academic tone, precise and well reasoned",
}


@dataclasses.dataclass
class TaskInput:
    """Everything a template may use. ``prompt`` is the topic, or the draft for DRAFT_TASKS."""

    task: str
    prompt: str
    tone: str = "neutral"
    length_words: int = 400
    audience: str = ""
    keywords: str = ""
    outline: str = ""


@dataclasses.dataclass
class Messages:
    """Chat messages plus an optional assistant prefix the reply continues from."""

    messages: list[dict]
    assistant_prefix: str = ""


def _extras(inp: TaskInput, keywords: str = "Use these keywords naturally: {}.") -> str:
    """The audience, and the keywords as ``keywords`` says them, as sentences after a space ("" when neither)."""
    parts = []
    if inp.audience.strip():
        parts.append(f"The readers are {inp.audience.strip()}.")
    if inp.keywords.strip():
        parts.append(keywords.format(inp.keywords.strip()))
    return (" " + " ".join(parts)) if parts else ""


def _must(inp: TaskInput) -> str:
    """Audience, and the keywords as things the text must name (product description, ad copy)."""
    return _extras(inp, "Mention each of these, spelled as given: {}.")


# ----- the writer's language: Chinese topics and drafts get Chinese replies -------------
LANGUAGE_NOTE = {
    "zh": ("Write the whole reply in Simplified Chinese (简体中文), including the title and headings. "
           "Lengths are in Chinese characters."),
    "zh-Hant": ("Write the whole reply in Traditional Chinese (繁體中文), including the title and headings; "
                "do not use Simplified characters. Lengths are in Chinese characters."),
}
_WORDS = re.compile(r"\b(\d+) words\b")


def writing_language(text: str) -> str | None:
    """``"zh"`` when the writer's topic or draft is mostly Chinese (:func:`studio.unitext.language`), else None
    (the prompts then name no language: the model answers in the one it is asked in)."""
    return "zh" if language(text or "") == "zh" else None


def in_writers_language(build):
    """Decorator for a prompt builder whose first argument is a :class:`TaskInput` or the topic: when that
    text is Chinese, every user message asks for Chinese in the text's script (Traditional for a Traditional
    topic or draft, else Simplified) and its lengths ("about 400 words")
    become Chinese characters, the unit :func:`studio.unitext.count_words` counts Chinese in."""

    @functools.wraps(build)
    def wrapper(first, *args, **kwargs):
        msgs = build(first, *args, **kwargs)
        lang = writing_language(first.prompt if isinstance(first, TaskInput) else first)
        if lang is None:
            return msgs
        text = first.prompt if isinstance(first, TaskInput) else first
        note = LANGUAGE_NOTE["zh-Hant" if chinese_script(text) == "Hant" else lang]  # the writer's own script
        for m in msgs.messages:
            if m["role"] == "user":
                m["content"] = _WORDS.sub(r"\1 Chinese characters", m["content"]).rstrip() + "\n" + note
        return msgs

    return wrapper


@in_writers_language
def build_messages(inp: TaskInput) -> Messages:
    """Messages for ``inp.task``. Raises ``KeyError`` for an unknown task (validated earlier)."""
    tone = TONE_HINT[inp.tone]
    n = inp.length_words
    extras = _extras(inp)
    t, p = inp.task, inp.prompt.strip()
    if t == "article":
        outline = f"\nFollow this outline:\n{inp.outline.strip()}\n" if inp.outline.strip() else ""
        user = (f"Write an article of about {n} words about: {p}\n"
                f"Write in {tone}.{extras}{outline}\nStart with a title line, then the article. "
                f"Every paragraph is about {p}.")
    elif t == "outline":
        user = (f"Write an outline for an article about: {p}\n{extras.strip()}\n"
                f"Give a title, then 4 to 7 section headings as a numbered list, each with one line on how it helps "
                f"with {p}.")
    elif t == "continue":
        user = (f"Continue the text below in the same voice, in {tone}, for about {n} words. "
                f"Write only the continuation.{extras}")
        return Messages([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
                        assistant_prefix=p)
    elif t == "rewrite":
        user = (f"Rewrite the following text in {tone}. Keep its meaning and facts; "
                f"write only the rewritten text.{extras}\n\nText:\n{p}")
    elif t == "summarize":
        user = (f"Summarize the following text in about {min(n, 200)} words, in {tone}.{extras} Write the "
                f"summary itself, starting with the main point; do not describe the text.\n\nText:\n{p}")
    elif t == "headlines":
        user = (f"Suggest {HEADLINES} headline ideas for an article about: {p}\n"
                f"Use {tone}.{extras} Every headline must be about {p}. Give one short headline per line, "
                "numbered, nothing else.")
        return Messages([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
                        assistant_prefix="1.")
    elif t == "product_description":
        user = (f"Write a product description of about {min(n, 300)} words for: {p}\n"
                f"Use {tone}.{_must(inp)} Describe the benefits, who it is for, and what makes it special. "
                "Write only about this product.")
    elif t == "ad_copy":
        user = (f"Write short advertising copy for: {p}\nUse {tone}.{_must(inp)} "
                "Give a headline, two sentences of body text and a call to action. Write only about this product.")
    else:
        raise KeyError(t)
    return Messages([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}])


# ----- long articles: plan first, then write section by section ---------------------

@in_writers_language
def plan_messages(topic: str, sections: int, tone: str, audience: str = "", keywords: str = "",
                  shape: str = "") -> Messages:
    """Ask for ``sections`` section headings of an article on ``topic``, one per line; ``shape`` says which
    parts the kind of article has, in order (:data:`studio.text.shape.PART_HINT`)."""
    inp = TaskInput("outline", topic, tone, audience=audience, keywords=keywords)
    parts = f"It is {shape}. " if shape else ""
    user = (f"List {sections} section headings for an article about: {topic.strip()}\n"
            f"{_extras(inp).strip()}\n{parts}Write exactly {sections} short headings, one per line, numbered, "
            "nothing else: no brackets, no dates or numbers the topic does not give.")
    return Messages([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}])


@in_writers_language
def section_messages(topic: str, outline: list[str], index: int, previous: str, words: int, tone: str,
                     audience: str = "", keywords: str = "", strict: bool = False, facts: str = "",
                     rule: str = "") -> Messages:
    """Ask for section ``index`` of ``outline``: a short brief that restates the article's topic and the
    section's point, with the outline and the end of the previous section as context. ``strict`` (used
    when a first attempt left the topic) repeats that every paragraph must be about the topic. ``facts``
    (the writer's fact sheet, :meth:`~studio.text.facts.FactSheet.summary`) goes to every section, so that
    later sections keep the same numbers, dates and names as the first. ``rule``: who speaks
    (:func:`studio.text.shape.person_rule`)."""
    inp = TaskInput("article", topic, tone, audience=audience, keywords=keywords)
    topic = " ".join(topic.split())
    heading = outline[index]
    listing = "\n".join(f"{i + 1}. {h}" for i, h in enumerate(outline))
    prev = f"\nThe previous section ended:\n{previous.strip()}\n" if previous.strip() else ""
    keep = (f" Stay on the topic: every paragraph must be about {topic}." if strict
            else f" Keep to the topic: {topic}.")
    if facts.strip():
        keep += (f" Use these facts exactly as given, and no other numbers, dates, names or quotations: "
                 f"{facts.strip()}.")
    keep += rule
    user = (f"We are writing an article about: {topic}\nOutline:\n{listing}\n{prev}\n"
            f"Now write section {index + 1}, \"{heading}\", in about {words} words, in {TONE_HINT[tone]}. "
            f"Its point: {heading} - for {topic}.{keep}{_extras(inp)} "
            "Write two or three paragraphs of plain prose for this section only: no heading, no lists, no title.")
    return Messages([{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}])


_BULLET = re.compile(r"^\s*(?:[-*•#]+|\(?\d{1,2}[.):、．]|[IVX]+\.|[一二三四五六七八九十]{1,3}、)\s*")
_NUMBERED = re.compile(r"^\s*(?:\(?\d{1,2}[.):]\s+|\(?\d{1,2}[、．]\s*|[一二三四五六七八九十]{1,3}、\s*)")
_JUNK = re.compile(r"^(title|subtitle|outline|section|header|heading|article section|sub-?section)\b[\s\d:.-]*",
                   re.IGNORECASE)


def parse_outline(text: str, sections: int, topic: str = "") -> list[str]:
    """Headings from a model's or a writer's outline, numbering and decoration stripped.

    When the text has numbered lines only those count (small models add
    titles and remarks around the list). Placeholder headings ("Header 1",
    "Title: ...") and the topic itself are dropped. Returns at most
    ``sections`` headings, possibly fewer; the caller fills the gaps.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    numbered = [ln for ln in lines if _NUMBERED.match(ln)]
    if len(numbered) >= 2:
        lines = numbered
    heads: list[str] = []
    for line in lines:
        line = _BULLET.sub("", line).strip().strip("*_#:\"'“”").strip()
        line = re.sub(r"\s*\((?:about\s+)?\d+\s+words\)\s*$", "", line, flags=re.IGNORECASE).strip()
        if _JUNK.match(line):
            rest = _JUNK.sub("", line).strip(" :-")
            line = rest if len(rest) > 3 and not re.fullmatch(r"[\d\s.]*", rest) else ""
        if ":" in line and len(line) > 60:
            line = line.split(":", 1)[0].strip()
        shortest = 2 if CJK_CHAR.search(line) else 3  # 引言 is a heading
        if not (shortest <= len(line) <= 100) or line.lower() == topic.strip().lower():
            continue
        if line.lower() not in {h.lower() for h in heads}:
            heads.append(line)
    return heads[:sections]


def writer_outline(text: str) -> list[str]:
    """The headings of a writer's own outline, one per line, each as typed: only a list marker ("- ", "1.", "#")
    and the spaces around it are taken off; blank lines and repeats of a line are skipped. None is dropped for
    being short, generic or like the topic (a model's plan is checked that way, not the writer's)."""
    heads: list[str] = []
    for line in text.splitlines():
        heading = _BULLET.sub("", line, count=1).strip() or line.strip()
        if heading and heading not in heads:
            heads.append(heading)
    return heads


def default_outline(sections: int, lang: str | None = None, script: str | None = None) -> list[str]:
    """Generic headings used when the model's plan has too few (in Chinese for ``lang="zh"``, in
    Traditional characters for ``script="Hant"``)."""
    middle = ["Why it matters", "Getting started", "Key ideas", "Practical tips", "Common mistakes",
              "Going further", "Real-world examples", "Tools and resources", "Questions to ask"]
    first, last, only = "Introduction", "Conclusion", "Overview"
    if lang == "zh":
        middle = ["为什么重要", "从哪里开始", "核心要点", "实用技巧", "常见误区", "更进一步", "实际案例", "工具与资源", "值得思考的问题"]
        first, last, only = "引言", "结语", "概述"
        if script == "Hant":
            middle = ["為什麼重要", "從哪裡開始", "核心要點", "實用技巧", "常見誤區", "更進一步", "實際案例", "工具與資源",
                      "值得思考的問題"]
            first, last, only = "引言", "結語", "概述"
    if sections <= 1:
        return [only]
    return [first] + middle[: max(0, sections - 2)] + [last]
