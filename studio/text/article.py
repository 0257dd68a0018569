"""Long articles: an outline (the writer's, or one the model plans), then one section per heading,
each written again up to ``retries`` times when it leaves the topic or only repeats an earlier one.

:class:`~studio.text.engine.TextEngine` calls :func:`write_long_article` for articles longer than
``SINGLE_PASS_WORDS``; the helpers at the end (the tokens/s figure, the note on removed lines, the
tidy-up of a section) are shared with the engine's one-pass writer.
"""

from __future__ import annotations

import dataclasses
import math
import re
import threading
import time
from collections.abc import Iterator

from ..messages import Message
from ..unitext import chinese_script
from .backends import StreamStats, TextBackend
from .checks import Verdict, drop_repeats, on_topic, topic_terms
from .cleanup import clean
from .factcheck import check_request_text, keep_request_facts, marks_note
from .facts import FactSheet
from .languages import request_language, tokens_per_word
from .prompts import default_outline, parse_outline, plan_messages, section_messages, stop_sequences, writer_outline
from .requests import WriteEvent, WriteRequest, count_words
from .shape import (
    PART_HINT,
    article_kind,
    drop_first_person,
    first_person_note,
    neutral_voice,
    person_rule,
    planned_outline,
)
from .streaming import WordCount, ending_notes, stream_until
from .topic import mentions_item, split_items

SECTION_WORDS = 160  # words per section of a planned article
TOKENS_PER_WORD = 1.25  # English, measured on SmolLM2's 49k-token BPE


def write_long_article(req: WriteRequest, backend: TextBackend, stop: threading.Event,
                   retries: int) -> Iterator[WriteEvent]:
    """A long article: an outline (the writer's, or planned by the model), then one section per
    heading, each written again up to ``retries`` times when it leaves the topic."""
    notes: list[str] = []
    tpw = tokens_per_word(backend, request_language(req.prompt), TOKENS_PER_WORD)  # Chinese: per character
    sections = len(req.plan) if req.plan else section_count(req)
    words_each = max(60, round(req.length_words / sections))
    title = _title(req.prompt)
    total = StreamStats()
    t0 = time.perf_counter()
    doc = f"# {title}\n\n"
    if req.plan:  # the writer's plan: its headings exactly as typed, in its order
        yield WriteEvent(text=doc, delta=doc, seed=req.seed, status=Message("Writing from your plan…"))
        outline = list(req.plan)
    else:
        yield WriteEvent(text=doc, delta=doc, seed=req.seed, status="Planning the article…")
        outline = yield from _outline(req, backend, stop, sections, doc, total, t0, notes)
    sections = len(outline)
    run = {"stops": stop_sequences("article", req.prompt), "terms": topic_terms(req.prompt, req.keywords),
           "total": total, "t0": t0, "notes": notes, "words_each": words_each, "tpw": tpw,
           "retries": retries,
           "person": person_rule(article_kind(req.prompt, req.tone), req.tone),
           "neutral": neutral_voice("article", article_kind(req.prompt, req.tone), req.tone, req.prompt),
           "facts": FactSheet.of(req.prompt, req.keywords, req.audience, req.outline, *(req.plan or [])).summary()
           if req.check_facts else ""}
    removed: list[str] = []
    first_person: list[str] = []
    marks: list = []
    previous = ""
    body_words = 0
    for i, heading in enumerate(outline):
        if stop.is_set():
            break
        head = f"## {heading}\n\n"
        doc += head
        status = Message("Writing section {i} of {n}…", i=i + 1, n=sections)
        yield WriteEvent(text=doc, delta=head, seed=req.seed, words=body_words, tokens=total.tokens,
                         tokens_per_s=rate(total, t0), notes=list(notes), status=status)
        best = yield from _section(req, backend, stop, outline, i, previous, doc, body_words, status, run)
        text = best[1]
        if run["neutral"]:  # no "I" in a neutral piece: the model talking about itself is left out
            text, chatty = drop_first_person(text)
            first_person += chatty
        checked = check_request_text(req, end_whole(text), offset=len(doc))  # the brief's facts: corrected or marked
        section = checked.text
        if stop.is_set() and not section.strip():  # stopped before the section said anything: no bare heading
            doc = doc[: len(doc) - len(head)]
            break
        notes += [Message("Section {num_i}: {t_n}", num_i=i + 1, t_n=c) for c in checked.changes]
        marks += checked.marks
        removed += best[2]
        doc += section
        yield WriteEvent(text=doc, seed=req.seed, words=body_words + count_words(section), tokens=total.tokens,
                         tokens_per_s=rate(total, t0), notes=list(notes), status=status)
        body_words += count_words(section)
        doc = doc.rstrip() + "\n\n"
        previous = section
    if removed:
        notes.append(removed_note(removed))
    if first_person:
        notes.append(first_person_note(first_person))
    if req.keywords.strip() and not stop.is_set():
        notes.extend(keywords_note(doc, req.keywords))
    if not stop.is_set():  # the brief's facts no section stated: the brief's own sentences, where they fit
        doc, kept_notes, marks = keep_request_facts(req, doc, marks)
        notes += kept_notes
    if marks:
        notes.append(marks_note(marks))
    stopped = stop.is_set()
    if stopped:
        notes.append("Stopped. The text so far is kept.")
    yield WriteEvent(text=doc.rstrip() + "\n", seed=req.seed, words=count_words(doc), tokens=total.tokens,
                     tokens_per_s=rate(total, t0), notes=notes, status="Stopped" if stopped else "Done",
                     done=True, stopped=stopped, marks=[m.as_dict() for m in marks])

def section_count(req: WriteRequest) -> int:
    """How many sections Studio plans for ``req``: one per :data:`SECTION_WORDS` words, 2 to 12."""
    return max(2, min(12, math.ceil(req.length_words / SECTION_WORDS)))


def plan_article(req: WriteRequest, backend: TextBackend, stop: threading.Event) -> tuple[list[str], list[str]]:
    """The headings Studio plans for the article ``req`` (the writer's outline, or the model's plan for the kind
    of article, each heading checked), as :func:`write_long_article` would write under them with the same seed,
    and the notes on planned headings left out. Returns ``(headings, notes)``."""
    notes: list[str] = []
    planning = _outline(req, backend, stop, section_count(req), "", StreamStats(), time.perf_counter(), notes)
    while True:
        try:
            next(planning)
        except StopIteration as done:
            return done.value, notes


def _outline(req: WriteRequest, backend: TextBackend, stop: threading.Event, sections: int, doc: str,
         total: StreamStats, t0: float, notes: list[str] | None = None):
    """The article's section headings (``yield from`` returns them): the writer's outline, or one the
    model plans for the kind of article (:mod:`.shape`), each heading checked at its place and replaced by
    the kind's own part when it fails; topped up with default headings to ``sections``."""
    lang = request_language(req.prompt)
    script = chinese_script(req.prompt) if lang else None  # Traditional Chinese gets Traditional headings
    if req.outline.strip():  # the writer's headings, all of them, as typed (at most 12: WriteRequest.validated)
        outline = writer_outline(req.outline)
        sections = min(sections, 2)  # topped up below only when the writer gave a single heading
    else:
        kind = article_kind(req.prompt, req.tone)
        plan = plan_messages(req.prompt, sections, req.tone, req.audience, req.keywords, PART_HINT.get(kind, ""))
        stats = StreamStats()
        raw = ""
        for chunk in backend.stream(backend.render(plan.messages), req.params(24 * sections), stop, stats):
            raw += chunk
            yield WriteEvent(text=doc, seed=req.seed, tokens=stats.tokens, tokens_per_s=rate(total, t0, stats.tokens),
                             status="Planning the article…")
        total.tokens += stats.tokens
        sheet = FactSheet.of(req.prompt, req.keywords, req.audience)
        # a heading that is the model talking ("Here is the list of two sections..."), has brackets, a date the
        # brief did not give, or an "Introduction" out of place is no heading: the kind's own part takes its place
        outline, dropped = planned_outline(parse_outline(raw, sections, req.prompt), sheet,
                                           "general" if lang == "zh" else kind, sections,
                                           default_outline(sections, lang, script))
        if dropped and notes is not None:
            first = dropped[0] if len(dropped[0]) <= 60 else dropped[0][:57] + "…"
            notes.append(Message("Left out {num_n} planned headings that did not fit the article (such as \"{h}\"); "
                                 "Studio's own took their place.", num_n=len(dropped), h=first) if len(dropped) != 1
                         else Message("Left out {num_n} planned heading that did not fit the article (such as \"{h}\"); "
                                      "Studio's own took their place.", num_n=len(dropped), h=first))
    if len(outline) < sections:
        have = {h.lower() for h in outline}
        outline += [h for h in default_outline(sections, lang, script) if h.lower() not in have][: sections - len(outline)]
    return outline

def _section(req: WriteRequest, backend: TextBackend, stop: threading.Event, outline: list[str], i: int,
         previous: str, doc: str, body_words: int, status: str, run: dict):
    """Write section ``i``; ``yield from`` returns the best attempt ``(score, text, lines removed)``."""
    total, t0, notes, words_each = run["total"], run["t0"], run["notes"], run["words_each"]
    retries = run["retries"]
    heading = outline[i]
    best = None  # (score, text)
    shown = ""  # the first attempt streams into the draft; later ones are written out of sight
    for attempt in range(1 + retries):
        msgs = section_messages(req.prompt, outline, i, backend.keep_last_tokens(previous, 200), words_each,
                                req.tone, req.audience, req.keywords, strict=attempt > 0, facts=run["facts"],
                                rule=run["person"])
        prompt = backend.render(msgs.messages)
        room = backend.context_size - backend.count_tokens(prompt)
        if room < words_each * run["tpw"] // 2 and run["facts"]:  # a small context: the facts line goes first
            msgs = section_messages(req.prompt, outline, i, backend.keep_last_tokens(previous, 200), words_each,
                                    req.tone, req.audience, req.keywords, strict=attempt > 0, rule=run["person"])
            prompt = backend.render(msgs.messages)
            room = backend.context_size - backend.count_tokens(prompt)
        max_new = max(1, min(req.max_new_tokens, int(words_each * run["tpw"] * 1.05) + 8, room))
        min_new = min(max_new, int(words_each * run["tpw"] * 0.8))
        stats = StreamStats()
        got: list[str] = []
        section, words = "", WordCount()
        params = req.params(max_new, min_new, seed_offset=i + 1 + 97 * attempt)
        params.cache_prompt = True  # the sections share their leading context: llama-server reads it once
        for chunk in stream_until(backend, prompt, params, stop, stats, run["stops"], got):
            if not section:
                chunk = chunk.lstrip()
            section += chunk
            if attempt == 0:
                shown = section
            yield WriteEvent(text=doc + shown, delta=chunk if attempt == 0 else "", seed=req.seed,
                             words=body_words + words.count(shown), tokens=total.tokens + stats.tokens,
                             tokens_per_s=rate(total, t0, stats.tokens), notes=list(notes), status=status)
        total.tokens += stats.tokens
        if stop.is_set() and attempt > 0:
            break  # Stop during a retry: keep the best attempt so far, which the writer has seen
        notes += [n for n in ending_notes(stats.ended) if n not in notes]  # the server ended early, or only thought
        # drop leaked labels, a sentence cut off by the token limit, and the model's remarks
        cleaned = clean(tidy_section(got[0] if got else section, cut=stats.tokens >= max_new),
                        protect=req.prompt)
        cleaned, verdict = _against_repeats(cleaned, doc, i, notes, run["terms"])
        if best is None or verdict.score > best[0]:
            best = (verdict.score, cleaned.text, cleaned.removed)
        if verdict.ok or stop.is_set() or stats.ended in ("early", "reasoning"):  # another try would not help
            break
        if attempt < retries:
            notes.append(Message("Section {i} (\"{h}\") {t_p}; writing it again (attempt {a} of {n}).", i=i + 1,
                                 h=heading, t_p=verdict.problem, a=attempt + 2, n=1 + retries))
            shown = best[1] if attempt == 0 else shown  # the draft keeps what the writer saw
            status = Message("Section {i} {t_p}; writing it again (attempt {a} of {n})…", i=i + 1, t_p=verdict.problem,
                             a=attempt + 2, n=1 + retries)
            yield WriteEvent(text=doc + shown, seed=req.seed, words=body_words + count_words(shown),
                             tokens=total.tokens, tokens_per_s=rate(total, t0), notes=list(notes), status=status)
        else:
            notes.append(Message("Section {i} (\"{h}\") strays from the topic after {n} attempts; the attempt "
                                 "closest to it is kept.", i=i + 1, h=heading, n=1 + retries) if retries
                         else Message("Section {i} (\"{h}\") strays from the topic.", i=i + 1, h=heading))
    return best


def _against_repeats(cleaned, doc: str, i: int, notes: list[str], terms) -> tuple:
    """A section without the sentences the article already has (a small model may copy the previous
    section, its context, word for word), and its verdict: a section that only repeats earlier ones
    scores lowest ("repeated an earlier section"), so it is written again."""
    body_so_far = doc.split("\n", 1)[1] if "\n" in doc else ""
    heads = "\n".join(ln.lstrip("# ") for ln in doc.splitlines() if ln.startswith("#"))  # the title and headings
    deduped, repeats = drop_repeats(cleaned.text, body_so_far, exact=heads)
    if repeats and not deduped.strip():
        return cleaned, Verdict(-1.0, False, Message("repeated an earlier section"))
    if repeats:
        cleaned = dataclasses.replace(cleaned, text=deduped)
        notes.append(Message("Section {i}: left out {n} sentences the model had already written.", i=i + 1,
                             n=len(repeats)) if len(repeats) > 1 else
                     Message("Section {i}: left out {n} sentence the model had already written.", i=i + 1, n=1))
    return cleaned, on_topic(cleaned.text, terms)


def _title(topic: str) -> str:
    """The article's title from its topic: the first line's first sentence, without a label such as "News:",
    cut at a word within 120 characters (a brief of several sentences is no title)."""
    first = topic.strip().splitlines()[0]
    first = re.sub(r"^(?:news|announce(?:ment)?|brief|topic|event|press release)\s*:\s*", "", first, flags=re.I)
    first = re.split(r"(?<=[.!?。！？])\s*", first, maxsplit=1)[0].rstrip(".。")
    if len(first) > 120:
        first = first[:120].rsplit(" ", 1)[0] if " " in first[:120] else first[:120]
    return first[:1].upper() + first[1:]


def keywords_note(text: str, keywords: str) -> list[str]:
    """A note naming the writer's keywords that ``text`` does not use ([] when it uses them all)."""
    missing = [k for k in split_items(keywords) if not mentions_item(text, k)]
    return [Message("The text does not use {num_n} of your keywords: {user_k}. Work them in, or press Regenerate.",
                    num_n=len(missing), user_k=", ".join(missing))] if missing else []


def removed_note(removed: list[str]) -> str:
    first = removed[0] if len(removed[0]) <= 60 else removed[0][:57] + "…"
    n = len(removed)
    return (Message("Left out {n} lines where the model talked to you instead of writing (such as \"{h}\").", n=n,
                    h=first) if n != 1 else
            Message("Left out {n} line where the model talked to you instead of writing (such as \"{h}\").", n=n,
                    h=first))


_LABEL = re.compile(r"^\s*(?:\*\*)?(?:section|part|chapter|title|heading)\b[^\n]{0,60}?:?(?:\*\*)?\s*$",
                    re.IGNORECASE | re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]?(?=\s|$)")


def tidy_section(text: str, cut: bool) -> str:
    """A section as a small model wrote it, minus label lines ("SECTION ONE:") it sometimes
    adds; when the token limit ``cut`` it, the unfinished last sentence is dropped too
    (if at least half of the section remains)."""
    out = _LABEL.sub("", text).strip()
    return drop_cut_sentence(out) if cut else out


def end_whole(text: str) -> str:
    """``text`` without a last sentence left unfinished (prose ending in a letter or a comma, not a list item
    or heading), so that a reply never ends mid-sentence; unchanged otherwise."""
    out = text.rstrip()
    last = out.rsplit("\n", 1)[-1].lstrip()
    if not out or not re.search(r"[A-Za-z,;:]$", out) or re.match(r"(?:[-*•#>]|\d{1,2}[.)])\s", last):
        return text
    return drop_cut_sentence(out)


def drop_cut_sentence(text: str) -> str:
    """``text`` without its unfinished last sentence, if at least half of it remains."""
    out = text.strip()
    ends = [m.end() for m in _SENTENCE_END.finditer(out)]
    if ends and ends[-1] >= len(out) // 2:
        out = out[: ends[-1]]
    return out


def rate(total: StreamStats, t0: float, extra: int = 0) -> float:
    dt = time.perf_counter() - t0
    return (total.tokens + extra) / dt if dt > 0 else 0.0
