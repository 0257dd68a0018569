"""A writing request and the updates of its stream: :class:`WriteRequest` (the fields and
ranges of the ``/write`` API, checked by :meth:`WriteRequest.validated`) and :class:`WriteEvent`.
:mod:`studio.text.engine` re-exports both."""

from __future__ import annotations

import dataclasses

from ..errors import InvalidInput
from ..messages import Message
from ..unitext import count_words as _count_words
from ..validate import check_choice, check_float, check_int, check_seed, check_text, seed_at
from .backends import SamplingParams
from .prompts import DRAFT_TASKS, TASK_SAMPLING, TASKS, TONES, writer_outline

MAX_TOPIC_CHARS = 4_000
MAX_DRAFT_CHARS = 60_000
MAX_EXTRA_CHARS = 4_000
MAX_PLAN_HEADINGS = 12  # an article's sections, at most (as many as a planned article has)
MAX_HEADING_CHARS = 150  # one heading of a writer's plan


def count_words(text: str) -> int:
    """Words in ``text``: :func:`studio.unitext.count_words` (each Han or kana character is a word)."""
    return _count_words(text)


@dataclasses.dataclass
class WriteRequest:
    """One writing request. Field names and ranges are those of the ``/write`` API.

    Attributes:
        prompt: the topic (article, outline, headlines, product_description,
            ad_copy) or the writer's text (continue, rewrite, summarize).
            Topics up to 4,000 characters, drafts up to 60,000.
        task: one of :data:`TASKS`.
        tone: one of :data:`TONES`.
        length_words: target length in words, 20..5000.
        temperature: 0..2 (0 = greedy). top_p: 0..1 (exclusive of 0). top_k: 0..1000.
        repetition_penalty: 1..2. max_new_tokens: 1..8192, per model call.
        seed: -1 for random, else 0..2**32-1.
        audience, keywords, outline: optional extras for the templates.
        model: a text model reference; empty means the studio's default.
        voice: the id or name of one of the writer's voices (Voice tab); empty for none.
        check_facts: check what the model wrote against the facts of the request's own text (topic, brief,
            keywords, the draft): contradictions corrected, facts not in it marked (:mod:`.factcheck`).
        plan: an article's section headings, the writer's (``/plan`` gives Studio's, to edit): the sections are
            written under exactly these headings, in this order, never changed by the heading checks. A list
            of 1 to :data:`MAX_PLAN_HEADINGS` headings of one line each, or one text with a heading per line
            (blank lines skipped); None (or empty) to let Studio plan as usual.
    """

    prompt: str
    task: str = "article"
    tone: str = "neutral"
    length_words: int = 400
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 50
    repetition_penalty: float = 1.1
    max_new_tokens: int = 1024
    seed: int = -1
    audience: str = ""
    keywords: str = ""
    outline: str = ""
    model: str = ""
    voice: str = ""
    check_facts: bool = True
    plan: list[str] | str | None = None  # a list, or one heading per line (check_plan)

    @classmethod
    def for_task(cls, task: str = "article", **kw) -> WriteRequest:
        """A request with the sampling defaults tuned for ``task`` (:data:`prompts.TASK_SAMPLING`);
        values given in ``kw`` win. An unknown task is refused later, by :meth:`validated`."""
        return cls(task=task, **{**TASK_SAMPLING.get(task, {}), **kw})

    def validated(self) -> WriteRequest:
        """A checked copy with the seed drawn when it was -1.

        Raises:
            InvalidInput: naming the first bad field and its allowed values.
        """
        task = check_choice("task", self.task, list(TASKS))
        limit = MAX_DRAFT_CHARS if task in DRAFT_TASKS else MAX_TOPIC_CHARS
        what = "draft" if task in DRAFT_TASKS else "topic"
        prompt = check_text("prompt", self.prompt, max_chars=limit)
        if not isinstance(self.check_facts, bool):
            raise InvalidInput("check_facts", "must be true or false, not {user_v}.", user_v=repr(self.check_facts))
        if not prompt.strip():
            raise InvalidInput("prompt", "the {what} is empty.", what=Message(what))
        outline = check_text("outline", self.outline, required=False, max_chars=MAX_EXTRA_CHARS)
        headings = len(writer_outline(outline)) if task == "article" else 0  # an article: a section per heading
        if headings > MAX_PLAN_HEADINGS:
            raise InvalidInput("outline", "has {n} headings; an article takes 1 to {m}. Join or remove some.",
                               n=headings, m=MAX_PLAN_HEADINGS)
        return dataclasses.replace(
            self,
            task=task,
            prompt=prompt,
            tone=check_choice("tone", self.tone, TONES),
            length_words=check_int("length_words", self.length_words, 20, 5000),
            temperature=check_float("temperature", self.temperature, 0.0, 2.0),
            top_p=check_float("top_p", self.top_p, 0.01, 1.0),
            top_k=check_int("top_k", self.top_k, 0, 1000),
            repetition_penalty=check_float("repetition_penalty", self.repetition_penalty, 1.0, 2.0),
            max_new_tokens=check_int("max_new_tokens", self.max_new_tokens, 1, 8192),
            seed=check_seed(self.seed),
            audience=check_text("audience", self.audience, required=False, max_chars=MAX_EXTRA_CHARS),
            keywords=check_text("keywords", self.keywords, required=False, max_chars=MAX_EXTRA_CHARS),
            outline=outline,
            model=check_text("model", self.model, required=False, max_chars=500).strip(),
            voice=check_text("voice", self.voice, required=False, max_chars=200).strip(),
            plan=check_plan(self.plan, task),
        )

    def params(self, max_new_tokens: int, min_new_tokens: int = 0, seed_offset: int = 0) -> SamplingParams:
        return SamplingParams(self.temperature, self.top_p, self.top_k, self.repetition_penalty,
                              max_new_tokens, min_new_tokens, seed_at(self.seed, seed_offset))


def check_plan(plan, task: str = "article") -> list[str] | None:
    """A writer's plan as headings, each exactly as typed (only the spaces around it dropped); None for no plan.

    ``plan`` is a list of headings, or one text with a heading per line (its blank lines skipped).

    Raises:
        InvalidInput: (field ``plan``) not text or a list of texts, an empty heading in a list, a heading of
            several lines or over :data:`MAX_HEADING_CHARS` characters, more than :data:`MAX_PLAN_HEADINGS`
            headings, or a plan for a task other than an article.
    """
    if plan is None or (isinstance(plan, str) and not plan.strip()) or (isinstance(plan, (list, tuple)) and not plan):
        return None
    if isinstance(plan, str):
        plan = [line for line in plan.splitlines() if line.strip()]
    if not isinstance(plan, (list, tuple)) or not all(isinstance(h, str) for h in plan):
        raise InvalidInput("plan", "must be a list of headings (or one text, a heading per line), not {user_v}.",
                           user_v=type(plan).__name__)
    if task != "article":
        raise InvalidInput("plan", "is for articles only (task \"article\"); leave it empty for {user_t}.",
                           user_t=task)
    if len(plan) > MAX_PLAN_HEADINGS:
        raise InvalidInput("plan", "has {n} headings; an article takes 1 to {m}. Join or remove some.",
                           n=len(plan), m=MAX_PLAN_HEADINGS)
    out = []
    for i, heading in enumerate(plan, 1):
        h = check_text("plan", heading, required=False, max_chars=10 * MAX_HEADING_CHARS).strip()
        if not h:
            raise InvalidInput("plan", "heading {n} is empty. Give 1 to {m} headings, each with some words.",
                               n=i, m=MAX_PLAN_HEADINGS)
        if "\n" in h or "\r" in h:
            raise InvalidInput("plan", "heading {n} has several lines; a heading is one line.", n=i)
        if len(h) > MAX_HEADING_CHARS:
            raise InvalidInput("plan", "heading {n} is {c} characters long; a heading takes at most {m}. Shorten it.",
                               n=i, c=len(h), m=MAX_HEADING_CHARS)
        out.append(h)
    return out


@dataclasses.dataclass(kw_only=True)
class WriteEvent:
    """One update of a running request, as the UI shows it (built with keywords only).

    Attributes:
        text: the whole text so far (for continue: the draft plus its continuation).
        delta: what was added since the previous event.
        seed: the seed in use. words, tokens: counts of the generated text.
        tokens_per_s: generation speed. notes: messages for the writer
            (context trimming, reduced max_new_tokens, stop).
        status: a short line ("Planning the article…", "Writing section 2 of 4…").
        done: True on the last event. stopped: True when Stop ended it.
        engine: what runs the model ("llama-server", "llama.cpp", "transformers", "openai").
        marks: on the last event, the facts of the new text that are not in the request's own text, for the
            writer to check: ``{"start", "end", "text", "kind", "reason"}`` with character spans in ``text``.
    """

    text: str
    delta: str = ""
    seed: int = 0
    words: int = 0
    tokens: int = 0
    tokens_per_s: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)
    status: str = ""
    done: bool = False
    stopped: bool = False
    engine: str = ""
    marks: list[dict] = dataclasses.field(default_factory=list)
