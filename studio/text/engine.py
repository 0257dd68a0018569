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
import logging
import re
import threading
import time
from collections.abc import Iterator

from ..devices import oom_guard
from ..errors import InvalidInput, StudioError
from ..library import LOCAL_OWNER
from ..messages import Message
from ..models import ModelManager
from ..settings import Settings
from ..validate import check_float, check_int, check_seed, check_text
from ..voice.backend import voice_backend
from ..voice.store import VoiceStore
from . import backends
from .article import (  # noqa: F401 - tidy_section stays importable from here
    TOKENS_PER_WORD,
    drop_cut_sentence,
    end_whole,
    keywords_note,
    plan_article,
    rate,
    removed_note,
    tidy_section,
    write_long_article,
)
from .backends import SamplingParams, StreamStats, TextBackend
from .brief import add_missing_items, missing_items
from .checks import drop_repeats, format_headlines, headline_items, judge_reply, pick_headlines, topic_terms
from .cleanup import clean
from .factcheck import check_request_text, keep_request_facts, marks_note
from .languages import check_model_language, request_language, tokens_per_word
from .prompts import DRAFT_TASKS, HEADLINES, TaskInput, build_messages, stop_sequences
from .requests import (  # noqa: F401 - part of this module's API
    MAX_DRAFT_CHARS,
    MAX_EXTRA_CHARS,
    MAX_HEADING_CHARS,
    MAX_PLAN_HEADINGS,
    MAX_TOPIC_CHARS,
    WriteEvent,
    WriteRequest,
    count_words,
)
from .shape import article_kind, drop_first_person, first_person_note, neutral_voice
from .streaming import WordCount, ending_notes, stream_until

log = logging.getLogger(__name__)

SINGLE_PASS_WORDS = 200  # articles longer than this are planned and written section by section
TASK_CAPS = {"ad_copy": 200, "headlines": 320, "outline": 480}  # tokens per call for short forms
WORD_RE = re.compile(r"\b[\w'’-]+\b", re.UNICODE)
OOM_MESSAGE = ("The device ran out of memory while writing. Try a smaller max_new_tokens or a shorter draft, "
               "or restart the studio with --device cpu.")
@dataclasses.dataclass
class _Reply:
    """The best reply so far: its judge's score, its text, and the lines cleaned out of it."""

    score: float
    text: str
    removed: list[str]


@dataclasses.dataclass
class _Kept:
    """What :meth:`TextEngine._single` keeps across attempts: the best reply, the lines cleaned out of
    earlier attempts, and the headline ideas found so far (on the topic, and spare)."""

    best: _Reply | None = None
    removed: list[str] = dataclasses.field(default_factory=list)
    headlines: list[str] = dataclasses.field(default_factory=list)
    spare: list[str] = dataclasses.field(default_factory=list)


MAX_RETRIES = 2  # extra attempts for a reply or section that left the topic, missed the brief or has too few headlines


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
        assert settings.data_dir is not None  # Settings fills it in
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

    def server_slots(self) -> int:
        """Writers llama-server writes for at once (``--text-slots``) when it runs this Studio's GGUF models
        (:func:`.backends.server_wanted`); 0 when another engine writes (one reply at a time per model)."""
        return self.settings.text_slots if backends.server_wanted(self.manager) else 0

    def warm_up(self) -> threading.Thread:
        """Load the default text model in a thread of its own, now, while Studio's start goes on (on llama-server
        its program starts while the page is built, so a writer's first words come sooner); a model that cannot
        load is said when a writer first uses it (a failed load is not kept)."""

        def load():
            try:
                resolved = self.manager.resolve(self.settings.text_model, "text", trusted=True)
                if backends.gguf_of(resolved) is None:  # transformers loads on first use: torch stays unimported
                    return
                self.backend()
            except Exception as exc:  # noqa: BLE001 - said again, in the writer's words, on first use
                log.info("the text model was not loaded at start: %s", exc)

        worker = threading.Thread(target=load, name="studio-text-warm-up", daemon=True)
        worker.start()
        return worker

    def is_loaded(self, model: str = "") -> bool:
        """True when ``model`` (default: ``settings.text_model``) is ready without loading."""
        return self.manager.is_loaded(backends.text_kind(self.manager), model or self.settings.text_model)

    def offered(self) -> list[str]:
        """Text models to offer in the Write tab: the configured one, then (local backends only) the
        embedded ones that are installed and the Hub twins already in the cache. Never raises."""
        from ..models import EMBEDDED, hub_cached_snapshot

        choices = [self.settings.text_model]
        if self.settings.text_backend == "openai":  # the server's model; local ones are not used then
            return choices
        for name, emb in EMBEDDED.items():
            if emb.kind == "text" and name not in choices:
                try:
                    self.manager.resolve(name, "text")
                    choices.append(name)
                except Exception:  # noqa: BLE001 - unavailable models are simply not listed
                    pass
            if emb.kind == "text" and emb.hub_twin and hub_cached_snapshot(emb.hub_twin) and emb.hub_twin not in choices:
                choices.append(emb.hub_twin)
        from ..hub import installed  # GGUF files downloaded in the Models tab, models under --model-dir

        choices += [e["ref"] for e in installed(self.settings, "text") if e["source"] != "embedded"]
        return list(dict.fromkeys(choices))

    def voice_trainer(self):
        """A :class:`~studio.voice.train.VoiceTrainer` on this engine's model manager and voice store."""
        from ..voice.train import VoiceTrainer

        return VoiceTrainer(self.manager, self.voices)

    # ----- one-shot completion (Illustrate and other helpers) --------------------------
    def complete(self, prompt: str, *, max_new_tokens: int = 256, temperature: float = 0.7, seed: int = -1,
                 stop: threading.Event | None = None, model: str = "", voice: str = "",
                 owner: str = LOCAL_OWNER) -> str:
        """One chat reply to ``prompt`` (a user message), as a string.

        Raises:
            InvalidInput: empty prompt or out-of-range numbers. ModelUnavailable. OutOfMemory.
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
        with oom_guard(self.manager, OOM_MESSAGE):
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
        # a Chinese topic or draft needs a model that writes Chinese: said before anything is loaded
        check_model_language(req.model or self.settings.text_model, request_language(req.prompt))
        stop = stop or threading.Event()
        backend = self.backend(req.model, req.voice, owner)
        engine = getattr(backend, "engine", "")
        try:
            with oom_guard(self.manager, OOM_MESSAGE):
                if req.task == "article" and (req.plan or req.length_words > SINGLE_PASS_WORDS):
                    events = write_long_article(req, backend, stop, self.retries)
                else:
                    events = self._single(req, backend, stop)
                for ev in events:
                    ev.engine = engine
                    yield ev
        except RuntimeError as exc:
            raise StudioError("{e} The text so far is kept; try again.",  # the backend's own message, by its id
                              e=exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)) from exc

    def plan(self, request: WriteRequest, stop: threading.Event | None = None,
             owner: str = LOCAL_OWNER) -> list[str]:
        """The section headings of the article ``request`` asks for, before any section is written: the writer's
        outline, or the model's plan for the kind of article with each heading checked (the same headings
        :meth:`stream` writes under for the same seed). A request that has a ``plan`` gets it back as it is.
        Give the headings back, edited or not, as ``plan`` to write the sections under exactly those.

        Raises:
            InvalidInput: a bad field, or a task other than "article" (field ``task``).
            ModelUnavailable, OutOfMemory, StudioError: as :meth:`stream`.
        """
        req = request.validated()
        if req.task != "article":
            raise InvalidInput("task", "a plan is made for articles only, not for {user_t}. Choose \"article\".",
                               user_t=req.task)
        if req.plan:
            return list(req.plan)
        check_model_language(req.model or self.settings.text_model, request_language(req.prompt))
        backend = self.backend(req.model, req.voice, owner)
        try:
            with oom_guard(self.manager, OOM_MESSAGE):
                headings, _notes = plan_article(req, backend, stop or threading.Event())
        except RuntimeError as exc:
            raise StudioError("{e} Try again.", e=str(exc)) from exc
        return headings

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
            notes.append(Message("Your text is longer than the model can read at once ({n} tokens), "
                                 "so its first {w} words were left out and only its end was used.",
                                 n=f"{ctx:,}", w=f"{dropped:,}"))
            inp.prompt = kept
            msgs = build_messages(inp)
            prompt = backend.render(msgs.messages, msgs.assistant_prefix)
            used = backend.count_tokens(prompt)
        fit = ctx - used
        if fit < 1:
            raise InvalidInput("prompt", "is too long for the model's context of {n} tokens. Shorten it.", n=f"{ctx:,}")
        if max_new > fit:
            notes.append(Message("max_new_tokens was reduced by {d} (from {a} to {b}) to fit the model's context of "
                                 "{n} tokens.", d=f"{max_new - fit:,}", a=f"{max_new:,}", b=f"{fit:,}", n=f"{ctx:,}"))
            max_new = fit
        return prompt, max_new, msgs.assistant_prefix

    def _budget(self, backend: TextBackend, req: WriteRequest, notes: list[str]) -> tuple[str, int, int, str, bool]:
        """What one reply may take: ``(prompt, max_new, min_new, prefix, capped)``; the length asked for sets
        the most (and, for long forms, the fewest) new tokens, and ``capped`` says the length, not
        ``max_new_tokens``, set the most."""
        want = req.max_new_tokens
        tpw = tokens_per_word(backend, request_language(req.prompt), TOKENS_PER_WORD)
        if req.task in ("article", "continue", "product_description"):
            want = min(want, int(req.length_words * tpw * 1.05) + 8)
        want = min(want, TASK_CAPS.get(req.task, want))  # short forms: a small model rambles on otherwise
        prompt, max_new, prefix = self._fit(backend, req, want, notes)
        min_new = 0
        if req.task in ("article", "continue", "product_description"):
            min_new = min(max_new, int(min(req.length_words, 300) * tpw * 0.7))
        return prompt, max_new, min_new, prefix, want < req.max_new_tokens

    def _single(self, req: WriteRequest, backend: TextBackend, stop: threading.Event) -> Iterator[WriteEvent]:
        """One reply (every task but long articles), written again up to :attr:`retries` times when it
        leaves the brief; the best attempt is kept."""
        notes: list[str] = []
        prompt, max_new, min_new, prefix, capped = self._budget(backend, req, notes)
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
        kept = _Kept()  # the best reply so far; headline ideas kept across attempts
        cut = False
        yield WriteEvent(text=start, seed=req.seed, notes=list(notes), status="Waiting for the model…")
        # headline ideas are short and cheap: twice the attempts of other replies
        tries = 1 + (2 * self.retries if req.task == "headlines" else self.retries)
        shown = ""  # what the draft shows: the first attempt streams; later ones are written out of sight
        status = "Writing…"
        for attempt in range(tries):
            stats = StreamStats()
            got: list[str] = []
            text, words = lead, WordCount()
            for chunk in stream_until(backend, prompt, req.params(max_new, min_new, seed_offset=97 * attempt),
                                      stop, stats, stops, got):
                if not text and trim:
                    chunk = chunk.lstrip(" \t")
                text += chunk
                if attempt == 0:
                    shown = text
                yield WriteEvent(text=start + shown, delta=chunk if attempt == 0 else "", seed=req.seed,
                                 words=words.count(shown), tokens=total.tokens + stats.tokens,
                                 tokens_per_s=rate(total, t0, stats.tokens), notes=list(notes), status=status)
            total.tokens += stats.tokens
            if stop.is_set() and attempt > 0:
                break  # Stop during a retry: keep the best attempt so far, which the writer has seen
            raw = lead + (got[0] if got else text[len(lead):])
            cut = stats.tokens >= max_new or stats.ended == "length"
            cleaned = _clean_reply(req, raw, trim, cut and capped, head)
            if stop.is_set() or stats.ended in ("early", "reasoning"):  # writing again would not help
                if stats.ended == "reasoning" and kept.best is None:  # no text at all: never an empty "Done"
                    raise StudioError(ending_notes("reasoning")[0])
                if not attempt:
                    kept.best = _Reply(score=0, text=cleaned.text, removed=cleaned.removed)
                notes += ending_notes(stats.ended)
                break
            problem = _judge(req, cleaned, terms, kept)
            if problem is None:
                break
            if attempt < tries - 1:
                notes.append(Message("The reply {t_p}; writing again (attempt {a} of {n}).", t_p=problem, a=attempt + 2,
                                     n=tries))
                # the draft keeps the text the writer saw (without chatter) while the next attempt is written
                shown = kept.best.text if attempt == 0 and kept.best is not None else shown
                status = Message("Checking the reply: it {t_p}. Writing it again (attempt {a} of {n})…", t_p=problem,
                                 a=attempt + 2, n=tries)
                yield WriteEvent(text=start + shown, seed=req.seed, words=count_words(shown), tokens=total.tokens,
                                 tokens_per_s=rate(total, t0), notes=list(notes), status=status)
            else:
                notes.append(Message("After {n} attempts the best reply is kept; it {t_p}.", n=tries, t_p=problem)
                             if tries > 1 else Message("The reply {t_p}.", t_p=problem))
        stopped = stop.is_set()
        # the kept reply, finished: a sentence written twice is kept once, and a product description or ad copy
        # gets the brief's own sentence for each feature, offer or name it still misses (never invented;
        # :mod:`studio.text.brief`); what was left out or added is said in the notes
        text, removed = (kept.best.text, kept.best.removed) if kept.best else ("", [])
        if removed:
            notes.append(removed_note(removed))
        if req.task == "headlines" and text.strip() and not stopped:
            n = len(text.strip().splitlines())
            if n < HEADLINES:
                notes.append(Message("Only {num_n} headline ideas were distinct and on the topic, so only those are "
                                     "kept. Press Regenerate for more.", num_n=n) if n != 1 else
                             Message("Only {num_n} headline idea was distinct and on the topic, so only that is "
                                     "kept. Press Regenerate for more.", num_n=n))
        if req.task != "headlines":
            text, repeats = drop_repeats(text)  # the same sentence written twice: once is kept
            if repeats:
                notes.append(Message("Left out {n} sentences the model had already written.", n=len(repeats))
                             if len(repeats) > 1 else Message("Left out {n} sentence the model had already written.",
                                                              n=len(repeats)))
        if neutral_voice(req.task, article_kind(req.prompt, req.tone), req.tone, req.prompt):
            text, chatty = drop_first_person(text)  # no "I" in a neutral piece: the model talking about itself
            notes += [first_person_note(chatty)] if chatty else []
        if req.task in ("article", "product_description", "ad_copy", "summarize") and not stopped:
            text = end_whole(text)  # never ends mid-sentence
        if req.task == "article" and req.keywords.strip() and text.strip() and not stopped:
            notes.extend(keywords_note(text, req.keywords))
        if req.task in ("product_description", "ad_copy") and req.keywords.strip() and text.strip() and not stopped:
            missing = missing_items(text, req.keywords)
            room = int(req.length_words * 1.15) if req.task == "product_description" else None
            text, added = add_missing_items(text, req.prompt, req.keywords, room)
            if added:
                notes.append(Message("The reply left out {user_f}, so your own words for them were added at the "
                                     "end: \"{user_s}\" Work them into the text as you like.", user_f=", ".join(missing),
                                     user_s=" ".join(added)) if len(missing) > 1 else
                             Message("The reply left out {user_f}, so your own words for it were added at the "
                                     "end: \"{user_s}\" Work them into the text as you like.", user_f=", ".join(missing),
                                     user_s=" ".join(added)))
        checked = check_request_text(req, text, offset=len(start))  # contradictions corrected, the rest marked
        text, kept_notes, marks = keep_request_facts(req, checked.text, checked.marks) if not stopped else \
            (checked.text, [], checked.marks)
        notes += checked.changes + kept_notes + ([marks_note(marks)] if marks else [])
        if stopped:
            notes.append("Stopped. The text so far is kept.")
        elif cut and (stats.ended == "length" or not capped and req.task not in ("article", "continue", "headlines")):
            notes.append(Message("The text reached max_new_tokens ({n}) and may end mid-sentence. "
                                 "Raise max_new_tokens, or press Continue.", n=f"{max_new:,}"))
        yield WriteEvent(text=start + text.rstrip(), seed=req.seed, words=count_words(text), tokens=total.tokens,
                         tokens_per_s=rate(total, t0), notes=notes, status="Stopped" if stopped else "Done",
                         done=True, stopped=stopped, marks=[m.as_dict() for m in marks])


def _clean_reply(req: WriteRequest, raw: str, trim: bool, cut_by_cap: bool, head: str):
    """One attempt's reply, cleaned (:func:`~studio.text.cleanup.clean`): without a doubled leading space
    (``trim``), without a sentence cut by the task's own token cap, keeping how a continuation began."""
    if trim:
        raw = raw.lstrip(" \t")
    if cut_by_cap and req.task not in ("continue", "headlines"):
        raw = drop_cut_sentence(raw)  # ended by the task's own limit
    cleaned = clean(raw, protect=req.prompt)
    if head and cleaned.text:  # a continuation keeps how the model began: "\n\n" starts a new paragraph
        began = raw[: len(raw) - len(raw.lstrip())]
        cleaned = dataclasses.replace(cleaned, text=began + cleaned.text.lstrip())
    return cleaned


def _judge(req: WriteRequest, cleaned, terms, kept: _Kept) -> str | None:
    """Judge one attempt and keep the best reply so far in ``kept.best``; None when it is good enough
    (no more attempts), else what is wrong with it ("had only 6 of 10 headline ideas...")."""
    if req.task == "headlines":
        found = headline_items(cleaned.text)
        headlines = kept.headlines = pick_headlines(found, kept.headlines, terms)
        spare = kept.spare = pick_headlines(found, kept.spare, set())
        if len(headlines) >= HEADLINES:
            kept.best = _Reply(score=0, text=format_headlines(headlines[:HEADLINES]),
                               removed=kept.removed + cleaned.removed)
            return None
        # too few on topic: only those are kept (the others only when none is on topic), and the notes say so
        kept.removed += cleaned.removed
        keep = headlines or spare[:HEADLINES]
        kept.best = _Reply(score=0, text=format_headlines(keep) if keep else cleaned.text, removed=kept.removed)
        return Message("had only {n} of {m} headline ideas distinct and on the topic", n=len(headlines), m=HEADLINES)
    verdict = judge_reply(req.task, cleaned.text, req.keywords, terms)
    if kept.best is None or (verdict is not None and verdict.score > kept.best.score):
        kept.best = _Reply(score=verdict.score if verdict else 0, text=cleaned.text, removed=cleaned.removed)
    return None if verdict is None or verdict.ok else verdict.problem
