"""The text engine: turns a writing request into a stream of text.

It checks the request, builds the task's prompt, fits it into the model's
context, and streams the reply. Articles longer than the model writes in one
go are planned first (an outline) and then written section by section, with
the outline and the previous section as context, streaming all along.

Small models need help to write well, so each reply is also cleaned and
checked (see README, "Keeping a small model on track"): generation ends at a
stop sequence where the model starts talking to the writer
(:mod:`.streaming`); the model's remarks are left out of its new text, never
of the writer's (:mod:`.cleanup`); a section or reply that left the topic,
missed the brief's keywords or gave too few distinct headlines is written
again a bounded number of times (:mod:`.checks`, :attr:`TextEngine.retries`),
and the notes say what was done.

It knows nothing of Gradio; the Write tab and the ``/write`` API are thin
layers over :meth:`TextEngine.stream`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
from typing import Iterator

import torch

from ..devices import free_memory
from ..errors import InvalidInput, OutOfMemory, StudioError
from ..models import ModelManager
from ..settings import Settings
from ..validate import check_choice, check_float, check_int, check_seed, check_text
from ..unitext import count_words as _count_words
from ..library import LOCAL_OWNER
from ..voices import VoiceStore
from . import backends  # noqa: F401 - registers the "text" loader
from .voice_backend import voice_backend  # registers the "voice" loader
from .backends import SamplingParams, StreamStats, TextBackend
from .checks import (Verdict, drop_repeats, format_headlines, headline_items, judge_reply, on_topic, pick_headlines,
                     topic_terms)
from .brief import add_missing_items, missing_items
from .cleanup import clean
from .streaming import stream_until
from .prompts import (DRAFT_TASKS, HEADLINES, TASK_SAMPLING, TASKS, TONES, TaskInput, build_messages,
                      default_outline, parse_outline, plan_messages, section_messages, stop_sequences)

MAX_TOPIC_CHARS = 4_000
MAX_DRAFT_CHARS = 60_000
MAX_EXTRA_CHARS = 4_000
SINGLE_PASS_WORDS = 200  # articles longer than this are planned and written section by section
SECTION_WORDS = 160
TASK_CAPS = {"ad_copy": 200, "headlines": 320, "outline": 480}  # tokens per call for short forms
TOKENS_PER_WORD = 1.25  # English, measured on SmolLM2's 49k-token BPE
WORD_RE = re.compile(r"\b[\w'’-]+\b", re.UNICODE)
MAX_RETRIES = 2  # extra attempts for a reply or section that left the topic, missed the brief or has too few headlines


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

    @classmethod
    def for_task(cls, task: str = "article", **kw) -> "WriteRequest":
        """A request with the sampling defaults tuned for ``task`` (:data:`prompts.TASK_SAMPLING`);
        values given in ``kw`` win. An unknown task is refused later, by :meth:`validated`."""
        return cls(task=task, **{**TASK_SAMPLING.get(task, {}), **kw})

    def validated(self) -> "WriteRequest":
        """A checked copy with the seed drawn when it was -1.

        Raises:
            InvalidInput: naming the first bad field and its allowed values.
        """
        task = check_choice("task", self.task, list(TASKS))
        limit = MAX_DRAFT_CHARS if task in DRAFT_TASKS else MAX_TOPIC_CHARS
        what = "draft" if task in DRAFT_TASKS else "topic"
        prompt = check_text("prompt", self.prompt, max_chars=limit)
        if not prompt.strip():
            raise InvalidInput("prompt", f"the {what} is empty.")
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
            outline=check_text("outline", self.outline, required=False, max_chars=MAX_EXTRA_CHARS),
            model=check_text("model", self.model, required=False, max_chars=500).strip(),
            voice=check_text("voice", self.voice, required=False, max_chars=200).strip(),
        )

    def params(self, max_new_tokens: int, min_new_tokens: int = 0, seed_offset: int = 0) -> SamplingParams:
        return SamplingParams(self.temperature, self.top_p, self.top_k, self.repetition_penalty,
                              max_new_tokens, min_new_tokens, (self.seed + seed_offset) % 2**32)


@dataclasses.dataclass
class WriteEvent:
    """One update of a running request, as the UI shows it.

    Attributes:
        text: the whole text so far (for continue: the draft plus its continuation).
        delta: what was added since the previous event.
        seed: the seed in use. words, tokens: counts of the generated text.
        tokens_per_s: generation speed. notes: messages for the writer
            (context trimming, reduced max_new_tokens, stop).
        status: a short line ("Planning the article…", "Writing section 2 of 4…").
        done: True on the last event. stopped: True when Stop ended it.
        engine: what runs the model ("llama.cpp", "transformers", "openai").
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


class TextEngine:
    """Writing with a language model from the shared :class:`ModelManager`.

    Args:
        manager: the studio's model manager (loads the model on first use).
        settings: the studio's settings (``text_model`` is the default model).

    Attributes:
        retries: extra attempts (0..) for a reply or an article section that left the topic, missed
            the brief's keywords, or gave too few distinct headlines; the best attempt is kept and
            the notes say so. Default :data:`MAX_RETRIES`.
    """

    retries = MAX_RETRIES

    def __init__(self, manager: ModelManager, settings: Settings):
        self.manager = manager
        self.settings = settings
        self.voices = VoiceStore(settings.data_dir)

    def backend(self, model: str = "", voice: str = "", owner: str = LOCAL_OWNER) -> TextBackend:
        """The loaded backend for ``model`` (default: ``settings.text_model``), or with ``owner``'s ``voice``.

        Raises:
            InvalidInput: (field ``voice``) no such voice, or it was trained on another model.
            ModelUnavailable: the model cannot be found or loaded.
        """
        if voice:
            return voice_backend(self.manager, self.voices, owner, voice, model, self.settings.text_model)
        return backends.get_backend(self.manager, model or self.settings.text_model)

    def is_loaded(self, model: str = "") -> bool:
        """True when ``model`` (default: ``settings.text_model``) is ready without loading."""
        return self.manager.is_loaded(backends.text_kind(self.manager), model or self.settings.text_model)

    # ----- one-shot completion (Illustrate and other helpers) --------------------------
    def complete(self, prompt: str, *, max_new_tokens: int = 256, temperature: float = 0.7, seed: int = -1,
                 stop: threading.Event | None = None, model: str = "", voice: str = "",
                 owner: str = LOCAL_OWNER) -> str:
        """One chat reply to ``prompt`` (a user message), as a string.

        Raises:
            InvalidInput: empty prompt or out-of-range numbers. ModelUnavailable.
        """
        prompt = check_text("prompt", prompt, max_chars=MAX_DRAFT_CHARS)
        backend = self.backend(model, voice, owner)
        from .prompts import SYSTEM

        text = backend.render([{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}])
        budget = backend.context_size - backend.count_tokens(text)
        params = SamplingParams(temperature=check_float("temperature", temperature, 0, 2),
                                max_new_tokens=max(1, min(check_int("max_new_tokens", max_new_tokens, 1, 8192),
                                                          budget)),
                                seed=check_seed(seed))
        return "".join(backend.stream(text, params, stop or threading.Event())).strip()

    # ----- streaming ----------------------------------------------------------------------
    def stream(self, request: WriteRequest, stop: threading.Event | None = None,
               owner: str = LOCAL_OWNER) -> Iterator[WriteEvent]:
        """Stream the text for ``request``; the last event has ``done=True``.

        ``stop`` ends the generation within one token; the text so far is
        kept and the last event says it was stopped.

        Raises:
            InvalidInput: before anything is generated, naming the bad field.
            ModelUnavailable: the model cannot be loaded.
            OutOfMemory: the device ran out of memory (its memory is released first).
            StudioError: the model failed while writing.
        """
        req = request.validated()
        stop = stop or threading.Event()
        backend = self.backend(req.model, req.voice, owner)
        engine = getattr(backend, "engine", "")
        try:
            if req.task == "article" and req.length_words > SINGLE_PASS_WORDS:
                events = self._long_article(req, backend, stop)
            else:
                events = self._single(req, backend, stop)
            for ev in events:
                ev.engine = engine
                yield ev
        except (torch.OutOfMemoryError, MemoryError):
            free_memory(self.manager.device)
            raise OutOfMemory("The device ran out of memory while writing. Try a smaller max_new_tokens or a "
                              "shorter draft, or restart the studio with --device cpu.") from None
        except RuntimeError as exc:
            raise StudioError(f"{exc} The text so far is kept; try again.") from exc

    def _fit(self, backend: TextBackend, req: WriteRequest, max_new: int, notes: list[str]) -> tuple[str, int, str]:
        """Render the prompt within the context: trim the draft's start, then reduce max_new_tokens.

        Returns ``(prompt_text, max_new_tokens, prefix_kept)``.
        """
        ctx = backend.context_size
        inp = TaskInput(req.task, req.prompt, req.tone, req.length_words, req.audience, req.keywords, req.outline)
        msgs = build_messages(inp)
        prompt = backend.render(msgs.messages, msgs.assistant_prefix)
        used = backend.count_tokens(prompt)
        if used + max_new <= ctx:
            return prompt, max_new, msgs.assistant_prefix
        if req.task in DRAFT_TASKS:
            overhead = used - backend.count_tokens(req.prompt)
            draft_tokens = used - overhead
            room = ctx - overhead
            keep = max(room - max_new, min(draft_tokens, room // 2))
            kept = backend.keep_last_tokens(req.prompt, keep)
            dropped = count_words(req.prompt) - count_words(kept)
            notes.append(f"Your text is longer than the model can read at once ({ctx:,} tokens), "
                         f"so its first {dropped:,} words were left out and only its end was used.")
            inp.prompt = kept
            msgs = build_messages(inp)
            prompt = backend.render(msgs.messages, msgs.assistant_prefix)
            used = backend.count_tokens(prompt)
        fit = ctx - used
        if fit < 1:
            raise InvalidInput("prompt", f"is too long for the model's context of {ctx:,} tokens. Shorten it.")
        if max_new > fit:
            notes.append(f"max_new_tokens was reduced by {max_new - fit:,} (from {max_new:,} to {fit:,}) "
                         f"to fit the model's context of {ctx:,} tokens.")
            max_new = fit
        return prompt, max_new, msgs.assistant_prefix

    def _single(self, req: WriteRequest, backend: TextBackend, stop: threading.Event) -> Iterator[WriteEvent]:
        notes: list[str] = []
        want = req.max_new_tokens
        if req.task in ("article", "continue", "product_description"):
            want = min(want, int(req.length_words * TOKENS_PER_WORD * 1.05) + 8)
        want = min(want, TASK_CAPS.get(req.task, want))  # short forms: a small model rambles on otherwise
        capped = want < req.max_new_tokens
        prompt, max_new, prefix = self._fit(backend, req, want, notes)
        min_new = 0
        if req.task in ("article", "continue", "product_description"):
            min_new = min(max_new, int(min(req.length_words, 300) * TOKENS_PER_WORD * 0.7))
        # The model continues the draft token by token (the draft, without its trailing whitespace, is the
        # assistant prefix), so its text is joined exactly as produced: a space only where the model wrote one
        # ("consis" + "tency", "。" + "实际上", "(" + "I'm"). Only when the draft already ends with whitespace
        # is the model's own leading space dropped, so that it is not doubled.
        head = req.prompt if req.task == "continue" else ""
        lead = prefix if req.task == "headlines" else ""  # the reply starts with the prefix ("1.")
        trim = head[-1:].isspace()
        start = head
        stops = stop_sequences(req.task, req.prompt)
        terms = topic_terms(req.prompt, req.keywords)
        total = StreamStats()
        t0 = time.perf_counter()
        removed: list[str] = []
        headlines: list[str] = []  # distinct and on topic
        spare: list[str] = []  # distinct
        best = None  # (score, text, lines removed from it)
        cut = False
        yield WriteEvent(start, seed=req.seed, notes=list(notes), status="Waiting for the model…")
        # headline ideas are short and cheap: twice the attempts of other replies
        tries = 1 + (2 * self.retries if req.task == "headlines" else self.retries)
        shown = ""  # what the draft shows: the first attempt streams; later ones are written out of sight
        status = "Writing…"
        for attempt in range(tries):
            stats = StreamStats()
            text, got = lead, []
            for chunk in stream_until(backend, prompt, req.params(max_new, min_new, seed_offset=97 * attempt),
                                      stop, stats, stops, got):
                if not text and trim:
                    chunk = chunk.lstrip(" \t")
                text += chunk
                if attempt == 0:
                    shown = text
                yield WriteEvent(start + shown, chunk if attempt == 0 else "", req.seed, count_words(shown),
                                 total.tokens + stats.tokens, _rate(total, t0, stats.tokens), list(notes), status)
            total.tokens += stats.tokens
            if stop.is_set() and attempt > 0:
                break  # Stop during a retry: keep the best attempt so far, which the writer has seen
            raw = lead + (got[0] if got else text[len(lead):])
            if trim:
                raw = raw.lstrip(" \t")
            cut = stats.tokens >= max_new
            if cut and capped and req.task not in ("continue", "headlines"):
                raw = drop_cut_sentence(raw)  # ended by the task's own limit
            cleaned = clean(raw, protect=req.prompt)
            if head and cleaned.text:  # a continuation keeps how the model began: "\n\n" starts a new paragraph
                began = raw[: len(raw) - len(raw.lstrip())]
                cleaned = dataclasses.replace(cleaned, text=began + cleaned.text.lstrip())
            if stop.is_set():
                best = (0, cleaned.text, cleaned.removed)
                break
            if req.task == "headlines":
                found = headline_items(cleaned.text)
                headlines = pick_headlines(found, headlines, terms)
                spare = pick_headlines(found, spare, set())
                if len(headlines) >= HEADLINES:
                    best = (0, format_headlines(headlines[:HEADLINES]), removed + cleaned.removed)
                    break
                # too few on topic: fill with the other distinct ideas, and say so
                fill = [h for h in spare if h not in headlines][: HEADLINES - len(headlines)]
                removed += cleaned.removed
                best = (0, format_headlines(headlines + fill) if spare else cleaned.text, removed)
                problem = f"had only {len(headlines)} of {HEADLINES} headline ideas distinct and on the topic"
            else:
                verdict = judge_reply(req.task, cleaned.text, req.keywords, terms)
                if best is None or (verdict is not None and verdict.score > best[0]):
                    best = (verdict.score if verdict else 0, cleaned.text, cleaned.removed)
                if verdict is None or verdict.ok:
                    break
                problem = verdict.problem
            if attempt < tries - 1:
                notes.append(f"The reply {problem}; writing again (attempt {attempt + 2} of {tries}).")
                # the draft keeps the text the writer saw (without chatter) while the next attempt is written
                shown = best[1] if attempt == 0 else shown
                status = f"Checking the reply: it {problem}. Writing it again (attempt {attempt + 2} of {tries})…"
                yield WriteEvent(start + shown, "", req.seed, count_words(shown), total.tokens, _rate(total, t0),
                                 list(notes), status)
            else:
                notes.append(f"After {tries} attempts the best reply is kept; it {problem}."
                             if tries > 1 else f"The reply {problem}.")
        text, removed = (best[1], best[2]) if best else ("", [])
        if removed:
            notes.append(_removed_note(removed))
        if req.task != "headlines":
            text, repeats = drop_repeats(text)  # the same sentence written twice: once is kept
            if repeats:
                notes.append(f"Left out {len(repeats)} sentence{'s' if len(repeats) > 1 else ''} the model had "
                             "already written.")
        stopped = stop.is_set()
        if req.task in ("product_description", "ad_copy") and req.keywords.strip() and text.strip() and not stopped:
            missing = missing_items(text, req.keywords)
            room = int(req.length_words * 1.15) if req.task == "product_description" else None
            text, added = add_missing_items(text, req.prompt, req.keywords, room)
            if added:
                notes.append(f"The reply left out {', '.join(missing)}, so your own words for "
                             f"{'them' if len(missing) > 1 else 'it'} were added at the end: \"{' '.join(added)}\" "
                             "Work them into the text as you like.")
        if stopped:
            notes.append("Stopped. The text so far is kept.")
        elif cut and not capped and req.task not in ("article", "continue", "headlines"):
            notes.append(f"The text reached max_new_tokens ({max_new:,}) and may end mid-sentence. "
                         "Raise max_new_tokens, or press Continue.")
        yield WriteEvent(start + text.rstrip(), "", req.seed, count_words(text), total.tokens, _rate(total, t0),
                         notes, "Stopped" if stopped else "Done", done=True, stopped=stopped)

    def _long_article(self, req: WriteRequest, backend: TextBackend, stop: threading.Event) -> Iterator[WriteEvent]:
        notes: list[str] = []
        sections = max(2, min(12, math.ceil(req.length_words / SECTION_WORDS)))
        words_each = max(60, round(req.length_words / sections))
        topic = req.prompt.strip().splitlines()[0][:200]
        title = topic[:1].upper() + topic[1:]
        total = StreamStats()
        t0 = time.perf_counter()
        doc = f"# {title}\n\n"
        yield WriteEvent(doc, doc, req.seed, 0, 0, 0.0, [], "Planning the article…")
        if req.outline.strip():
            outline = parse_outline(req.outline, sections, req.prompt)
        else:
            plan = plan_messages(req.prompt, sections, req.tone, req.audience, req.keywords)
            stats = StreamStats()
            raw = ""
            for chunk in backend.stream(backend.render(plan.messages), req.params(24 * sections), stop, stats):
                raw += chunk
                yield WriteEvent(doc, "", req.seed, 0, stats.tokens, _rate(total, t0, stats.tokens), [],
                                 "Planning the article…")
            total.tokens += stats.tokens
            outline = parse_outline(raw, sections, req.prompt)
        if len(outline) < sections:
            have = {h.lower() for h in outline}
            outline += [h for h in default_outline(sections) if h.lower() not in have][: sections - len(outline)]
        sections = len(outline)
        stops = stop_sequences("article", req.prompt)
        terms = topic_terms(req.prompt, req.keywords)
        removed: list[str] = []
        previous = ""
        body_words = 0
        for i, heading in enumerate(outline):
            if stop.is_set():
                break
            head = f"## {heading}\n\n"
            doc += head
            status = f"Writing section {i + 1} of {sections}…"
            yield WriteEvent(doc, head, req.seed, body_words, total.tokens, _rate(total, t0), list(notes), status)
            best = None  # (score, text)
            shown = ""  # the first attempt streams into the draft; later ones are written out of sight
            for attempt in range(1 + self.retries):
                msgs = section_messages(req.prompt, outline, i, backend.keep_last_tokens(previous, 200), words_each,
                                        req.tone, req.audience, req.keywords, strict=attempt > 0)
                prompt = backend.render(msgs.messages)
                room = backend.context_size - backend.count_tokens(prompt)
                max_new = max(1, min(req.max_new_tokens, int(words_each * TOKENS_PER_WORD * 1.05) + 8, room))
                min_new = min(max_new, int(words_each * TOKENS_PER_WORD * 0.8))
                stats = StreamStats()
                section, got = "", []
                params = req.params(max_new, min_new, seed_offset=i + 1 + 97 * attempt)
                for chunk in stream_until(backend, prompt, params, stop, stats, stops, got):
                    if not section:
                        chunk = chunk.lstrip()
                    section += chunk
                    if attempt == 0:
                        shown = section
                    yield WriteEvent(doc + shown, chunk if attempt == 0 else "", req.seed,
                                     body_words + count_words(shown), total.tokens + stats.tokens,
                                     _rate(total, t0, stats.tokens), list(notes), status)
                total.tokens += stats.tokens
                if stop.is_set() and attempt > 0:
                    break  # Stop during a retry: keep the best attempt so far, which the writer has seen
                # drop leaked labels, a sentence cut off by the token limit, and the model's remarks
                cleaned = clean(tidy_section(got[0] if got else section, cut=stats.tokens >= max_new),
                                protect=req.prompt)
                # a small model may copy the previous section (its context) word for word: drop repeats
                body_so_far = doc.split("\n", 1)[1] if "\n" in doc else ""
                deduped, repeats = drop_repeats(cleaned.text, body_so_far)
                copied = bool(repeats) and not deduped.strip()  # nothing new: write it again (kept if all are)
                if repeats and not copied:
                    cleaned = dataclasses.replace(cleaned, text=deduped)
                    notes.append(f"Section {i + 1}: left out {len(repeats)} sentence{'s' if len(repeats) > 1 else ''} "
                                 "the model had already written.")
                verdict = on_topic(cleaned.text, terms)
                if copied:
                    verdict = Verdict(-1.0, False, "repeated an earlier section")
                if best is None or verdict.score > best[0]:
                    best = (verdict.score, cleaned.text, cleaned.removed)
                if verdict.ok or stop.is_set():
                    break
                if attempt < self.retries:
                    notes.append(f"Section {i + 1} (\"{heading}\") {verdict.problem}; writing it again "
                                 f"(attempt {attempt + 2} of {1 + self.retries}).")
                    shown = best[1] if attempt == 0 else shown  # the draft keeps what the writer saw
                    status = (f"Section {i + 1} {verdict.problem}; writing it again (attempt {attempt + 2} of "
                              f"{1 + self.retries})…")
                    yield WriteEvent(doc + shown, "", req.seed, body_words + count_words(shown), total.tokens,
                                     _rate(total, t0), list(notes), status)
                else:
                    notes.append(f"Section {i + 1} (\"{heading}\") strays from the topic"
                                 + (f" after {1 + self.retries} attempts; the attempt closest to it is kept."
                                    if self.retries else "."))
            section = best[1]
            removed += best[2]
            doc += section
            yield WriteEvent(doc, "", req.seed, body_words + count_words(section), total.tokens,
                             _rate(total, t0), list(notes), status)
            body_words += count_words(section)
            doc = doc.rstrip() + "\n\n"
            previous = section
        if removed:
            notes.append(_removed_note(removed))
        stopped = stop.is_set()
        if stopped:
            notes.append("Stopped. The text so far is kept.")
        yield WriteEvent(doc.rstrip() + "\n", "", req.seed, count_words(doc), total.tokens, _rate(total, t0), notes,
                         "Stopped" if stopped else "Done", done=True, stopped=stopped)


def _removed_note(removed: list[str]) -> str:
    first = removed[0] if len(removed[0]) <= 60 else removed[0][:57] + "…"
    n = len(removed)
    return (f"Left out {n} line{'s' if n != 1 else ''} where the model talked to you instead of writing "
            f"(such as \"{first}\").")


_LABEL = re.compile(r"^\s*(?:\*\*)?(?:section|part|chapter|title|heading)\b[^\n]{0,60}?:?(?:\*\*)?\s*$",
                    re.IGNORECASE | re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]?(?=\s|$)")


def tidy_section(text: str, cut: bool) -> str:
    """A section as a small model wrote it, minus label lines ("SECTION ONE:") it sometimes
    adds; when the token limit ``cut`` it, the unfinished last sentence is dropped too
    (if at least half of the section remains)."""
    out = _LABEL.sub("", text).strip()
    return drop_cut_sentence(out) if cut else out


def drop_cut_sentence(text: str) -> str:
    """``text`` without its unfinished last sentence, if at least half of it remains."""
    out = text.strip()
    ends = [m.end() for m in _SENTENCE_END.finditer(out)]
    if ends and ends[-1] >= len(out) // 2:
        out = out[: ends[-1]]
    return out


def _rate(total: StreamStats, t0: float, extra: int = 0) -> float:
    dt = time.perf_counter() - t0
    return (total.tokens + extra) / dt if dt > 0 else 0.0
