"""Illustrate an article: one image prompt per section, proposed by the
language model, edited by the writer, then drawn by the chosen image model
and placed under each section's heading.

The steps are plain functions, so each can be tested alone:

1. :func:`split_sections` cuts the Markdown at its ATX headings (``#`` to
   ``######``, outside fenced code); text before the first heading is an
   "introduction" section titled with the article's title.
2. :func:`propose_prompts` asks the text engine (``complete(prompt, *,
   max_new_tokens, temperature, seed, stop)``, see
   :meth:`studio.text.engine.TextEngine.complete`) for one short prompt per
   section and cleans the reply (:func:`clean_prompt`); a reply with no usable
   words falls back to the heading and the section's first sentence.
3. :func:`illustrate` draws one picture per kept proposal through a
   ``generate(prompt, seed) -> (PIL image, params)`` callable, attaches each
   to the article in the library and places its Markdown reference under
   the heading (:func:`place_images`), matching sections by heading text, so
   edits made meanwhile do not misplace them.

:meth:`studio.image.router.ImageRouter.generator` (``ctx.images.generator``,
also :func:`image_generator`) is the only place that knows the image engines: it
picks the GAN (which ignores prompts; faces at 256 px) or a diffusers
pipeline (the model's native size and default steps) from the model reference.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable

from .errors import Cancelled, InvalidInput, raise_if_stopped
from .jobs import Progress
from .library import Library, markdown_image
from .validate import check_seed, seed_at

MAX_SECTIONS = 20
SECTION_CHARS = 700

EXAMPLE_PROMPT = "an old lighthouse on a rocky coast at sunset, gulls in the sky, oil painting"
# Small models follow an instruction best when it comes after the material and shows one example.
PROMPT_TEMPLATE = (
    "Article title: {title}\nSection heading: {heading}\nSection text:\n{text}\n\n"
    "Describe one picture that illustrates this section, for an image generator: the subject, the setting "
    "and the art style, in one line of at most 30 words. Do not talk about the article.\n"
    f"Example of the form: {EXAMPLE_PROMPT}\n"
    "Reply with the description only."
)

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

Generate = Callable[[str, int], tuple]


@dataclasses.dataclass
class Section:
    """A part of the article.

    Attributes:
        index: 0-based position among the sections.
        heading: the heading text (for the introduction, the article title or "Introduction").
        level: 1 to 6 for ``#``..``######``; 0 for the introduction (no heading line).
        line: 0-based line number of the heading, or -1 for the introduction.
        text: the section's text without the heading (image lines included).
    """

    index: int
    heading: str
    level: int
    line: int
    text: str


@dataclasses.dataclass
class Proposal:
    """One picture to make: the section it illustrates and its prompt (editable by the writer)."""

    section: int
    heading: str
    prompt: str


def split_sections(body: str, title: str = "") -> list[Section]:
    """The sections of a Markdown ``body``, in order (see the module docstring).

    An empty body has no sections. Headings inside fenced code blocks are text.
    """
    lines = (body or "").split("\n")
    heads: list[tuple[int, int, str]] = []
    fence = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence is None:
            h = _HEADING.match(line)
            if h and h.group(2).strip():
                heads.append((i, len(h.group(1)), h.group(2).strip()))
    sections: list[Section] = []
    first = heads[0][0] if heads else len(lines)
    intro = "\n".join(lines[:first]).strip()
    if _words(intro):
        sections.append(Section(0, title.strip() or "Introduction", 0, -1, intro))
    for n, (i, level, heading) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        sections.append(Section(len(sections), heading, level, i, "\n".join(lines[i + 1:end]).strip()))
    return sections


def _words(text: str) -> str:
    """The text without image references, links' URLs and Markdown punctuation."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.sub(r"[#*_>`|~-]+", " ", text).split())


STYLE = "editorial illustration"
# Words about writing rather than about something to draw: a picture prompt never uses them.
_META_WORDS = re.compile(r"\b(?:articles?|sections?|introductions?|conclusions?|paragraphs?|continuations?|essays?|"
                         r"readers?|writers?|summary|outline|headings?|prompts?|conveys?|effectively|"
                         r"overview|chapters?|sentences?|original (?:text|sentence|article))\b", re.IGNORECASE)
# words of EXAMPLE_PROMPT a small model copies into its answer ("The subject is a lighthouse on a rocky coast")
_EXAMPLE_MARKERS = ("lighthouse", "rocky coast", "gulls")
_NOT_NOUNS = frozenset(["also", "always", "another", "because", "become", "becomes", "before", "being", "could", "does", "doing", "during", "either", "enough", "every", "everyone", "everything", "first", "from", "have", "having", "into", "just", "keep", "keeps", "know", "last", "later", "least", "less", "like", "likely", "made", "make", "makes", "many", "might", "more", "most", "much", "must", "need", "needs", "never", "often", "only", "other", "others", "over", "really", "same", "should", "show", "shows", "since", "some", "something", "sometimes", "start", "still", "such", "sure", "take", "takes", "than", "that", "their", "them", "then", "there", "these", "they", "thing", "things", "this", "those", "though", "through", "today", "together", "very", "want", "wants", "well", "were", "what", "when", "where", "which", "while", "will", "with", "without", "would", "your", "yours", "about", "above", "after", "again", "against", "among", "around", "across", "able", "better", "best", "good", "great", "small", "large", "little", "simple", "simply", "help", "helps", "using", "used", "uses", "create", "creates", "creating", "important", "matter", "matters", "start", "started", "getting", "going", "make", "tips", "ways", "text", "word", "words"])


def _key_nouns(text: str, limit: int = 3) -> list[str]:
    """The words of ``text`` most likely to name things to draw: content words of 4+ letters by frequency
    (first appearance breaks ties), without stop words, adverbs ("-ly") and words about writing."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for w in re.findall(r"[^\W\d_][\w'’-]*", text):
        low = w.lower().strip("'’-")
        if (len(low) < 4 or low in _NOT_NOUNS or low.endswith("ly") or _META_WORDS.fullmatch(low)
                or "'" in low or "’" in low):
            continue
        key = low[:-1] if low.endswith("s") and not low.endswith("ss") else low
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, low)
    order = sorted(counts, key=lambda k: -counts[k])  # sorted() is stable: ties keep first appearance
    return [first[k] for k in order[:limit]]


def fallback_prompt(section: Section, title: str = "") -> str:
    """A prompt made without the model, that names things to draw: the section's heading (the article's
    title when the heading is only "Introduction", "Conclusion" or the like), the section's most frequent
    content words, and a style. Words about writing ("article", "section", "readers") are left out, so
    the fallback always passes :func:`describes_picture` when the section has any words."""
    def subject_of(text: str) -> str:
        return " ".join(_META_WORDS.sub(" ", _words(text)).split()).strip(" ,.:;-")

    subject = subject_of(section.heading)
    if sum(ch.isalpha() for ch in subject) < 3 or subject.lower() in _NOT_NOUNS:
        subject = subject_of(title)
    have = {w.lower() for w in re.findall(r"\w+", subject)}
    nouns = [n for n in _key_nouns(_words(section.text) + " " + _words(title), 12) if n not in have][:3]
    parts = [p for p in (subject, ", ".join(nouns)) if p]
    out = ", ".join(parts) or "a quiet landscape"
    if len(out.split()) + len(STYLE.split()) < 4:
        out += ", everyday scene"
    return f"{out}, {STYLE}"


_CHATTER = re.compile(r"\b(prompts?|as an ai|i'll|i will|i can|i cannot|i'm sorry|language model|piece of writing|"
                      r"the following|continuation|introduction|paragraph|essay|this (?:article|section|text)|"
                      r"the (?:article|section|text)|your (?:article|text|section|writing|draft)|conveys?|"
                      r"effectively|readers?|writers?)\b", re.IGNORECASE)
MAX_PROMPT_WORDS = 40
MIN_PROMPT_WORDS = 4


def describes_picture(prompt: str) -> bool:
    """True when ``prompt`` names something to draw: at least :data:`MIN_PROMPT_WORDS` words, no remark to
    the writer (:func:`studio.text.cleanup.is_chatter`) and no talk about the text ("The following is a
    continuation…", "Your introduction effectively conveys…", "this article", "readers")."""
    from .text.cleanup import is_chatter

    flat = " ".join((prompt or "").split())
    return (len(re.findall(r"[^\W\d_][\w'’-]*", flat)) >= MIN_PROMPT_WORDS and not is_chatter(flat)
            and not _CHATTER.search(flat) and not _META_WORDS.search(flat))


def clean_prompt(raw: str, fallback: str, source: str = "") -> str:
    """The first line of a model reply that describes a picture (:func:`describes_picture`), without
    labels, bullets, quotes or Markdown, at most :data:`MAX_PROMPT_WORDS` words (cut after a sentence
    when it can) and 300 characters. A clean but short line (under four words, "misty hills") gets the
    style added ("misty hills, editorial illustration"). ``fallback`` when no line describes a picture:
    small models often talk about the task instead ("The following is a continuation…", "Your
    introduction effectively conveys…"), or copy the template's example (a line naming the example's
    lighthouse, rocky coast or gulls when ``source``, the section's text, does not)."""
    raw = re.sub(r"<think>.*?</think>", " ", raw or "", flags=re.DOTALL)
    for line in raw.split("\n")[:6]:
        line = line.strip()
        line = re.sub(r"^(?:[-*•]\s+|\d+[.)]\s+)", "", line)
        line = re.sub(r"^(?:sure|certainly|of course)\b[^:]*:\s*", "", line, flags=re.IGNORECASE)
        line = re.sub(r"^here(?:'s| is)\b[^:]*:\s*", "", line, flags=re.IGNORECASE)
        line = re.sub(r"^(?:\*\*)?(?:image\s+)?(?:prompt|picture)(?:\*\*)?\s*[:：]\s*(?:\*\*)?", "", line,
                      flags=re.IGNORECASE)
        line = line.replace("**", "").replace("__", "").replace("`", "")
        line = line.strip(" \t\"'“”‘’«»")
        line = " ".join(line.split())
        if sum(ch.isalpha() for ch in line) < 3:
            continue
        low = line.lower()
        if EXAMPLE_PROMPT[:30].lower() in low or any(m in low and m not in source.lower() for m in _EXAMPLE_MARKERS):
            return fallback  # the template's example copied
        words = line.split(" ")
        if len(words) > MAX_PROMPT_WORDS:
            short = " ".join(words[:MAX_PROMPT_WORDS])
            end = max(short.rfind(". "), short.rfind("! "), short.rfind("? "))
            line = short[:end + 1] if end > 40 else short
        if len(line) > 300:
            line = line[:300].rsplit(" ", 1)[0]
        line = line.strip()
        if not describes_picture(line) and not (_CHATTER.search(line) or _META_WORDS.search(line)):
            line = f"{line.rstrip('.!?,;: ')}, {STYLE}"  # a short subject: add a style
        if describes_picture(line):
            return line
    return fallback


def propose_prompts(complete: Callable[..., str], title: str, body: str, *, seed: int = -1,
                    max_sections: int = MAX_SECTIONS, temperature: float = 0.7,
                    stop: threading.Event | None = None,
                    progress: Progress | None = None) -> list[Proposal]:
    """One :class:`Proposal` per section (at most ``max_sections``).

    Args:
        complete: the text engine's one-shot completion, called as
            ``complete(prompt, max_new_tokens=64, temperature=..., seed=..., stop=...)``.
        seed: -1 for random; section ``i`` uses ``seed + i``.
        stop: checked between sections (raises :class:`Cancelled`).

    Raises:
        InvalidInput: the article has no text. Cancelled.
    """
    sections = split_sections(body, title)
    if not sections:
        raise InvalidInput("draft", "is empty. Write the article (with ## headings for its sections) first.")
    base = check_seed(seed)
    out: list[Proposal] = []
    sections = sections[:max_sections]
    for i, section in enumerate(sections):
        raise_if_stopped(stop)
        text = section.text
        if len(text) > SECTION_CHARS:
            text = text[:SECTION_CHARS].rsplit(" ", 1)[0] + " …"
        ask = PROMPT_TEMPLATE.format(title=title or "(untitled)", heading=section.heading, text=text or "(empty)")
        reply = complete(ask, max_new_tokens=64, temperature=temperature, seed=seed_at(base, i), stop=stop)
        out.append(Proposal(section.index, section.heading, clean_prompt(reply, fallback_prompt(section, title),
                                                                         section.text)))
        if progress is not None:
            progress(i + 1, len(sections))
    return out


def place_images(body: str, placements: list[tuple[Proposal, str]], title: str = "") -> str:
    """Put each Markdown ``block`` right under the heading of its proposal's section.

    Sections are found again in the current ``body`` by heading text (the
    n-th proposal for a heading goes to the n-th section with that heading),
    then by index; a block whose section is gone goes at the end. An
    introduction's block goes at the top of the body. A block already present
    in its section is not added twice.
    """
    sections = split_sections(body, title)
    lines = (body or "").split("\n")
    used: set[int] = set()
    inserts: list[tuple[int, str]] = []  # (insert before line index, block)
    tail: list[str] = []
    for proposal, block in placements:
        target = next((s for s in sections if s.index not in used and s.heading == proposal.heading), None)
        if target is None and proposal.section < len(sections) and proposal.section not in used:
            candidate = sections[proposal.section]
            if candidate.level == 0 or candidate.heading == proposal.heading:
                target = candidate
        if target is None:
            tail.append(block)
            continue
        used.add(target.index)
        if block in target.text:
            continue
        if target.line < 0:
            start = 0
            while start < len(lines) and not lines[start].strip():
                start += 1
            inserts.append((start, block))
        else:
            inserts.append((target.line + 1, block))
    for at, block in sorted(inserts, key=lambda x: x[0], reverse=True):
        before = lines[:at]
        after = lines[at:]
        while after and not after[0].strip():
            after = after[1:]
        piece = ([""] if before and before[-1].strip() else []) + [block, ""]
        lines = before + piece + after
    out = "\n".join(lines)
    for block in tail:
        if block not in out:
            out = out.rstrip("\n") + ("\n\n" if out.strip() else "") + block + "\n"
    return out


@dataclasses.dataclass
class IllustrateResult:
    """What :func:`illustrate` did.

    Attributes:
        body: the article text with the pictures placed.
        images: :meth:`Library.images` dicts of the new pictures, in order.
        stopped: True if Stop ended the run early (the pictures made so far are kept).
        placements: ``(proposal, Markdown reference)`` per picture, for :func:`place_images`
            on a newer version of the text.
    """

    body: str
    images: list[dict]
    stopped: bool
    placements: list[tuple[Proposal, str]] = dataclasses.field(default_factory=list)


def illustrate(library: Library, owner: str, article_id: int, title: str, body: str,
               proposals: list[Proposal], generate: Generate, *, seed: int = -1, uses_prompt: bool = True,
               stop: threading.Event | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> IllustrateResult:
    """Draw one picture per proposal with a non-empty prompt, attach each to the
    article, and place it under its section.

    Args:
        generate: ``generate(prompt, seed) -> (PIL image, params dict)``, see :func:`image_generator`.
        seed: -1 for random; picture ``i`` uses ``seed + i``.
        uses_prompt: False for a GAN: the alt text is then the heading, not the prompt.
        progress: called as ``progress(done, total, heading)`` after each picture.

    Returns:
        :class:`IllustrateResult`; the caller saves ``body``.

    Raises:
        InvalidInput: no proposal has a prompt. Errors of ``generate`` other than Cancelled.
    """
    todo = [p for p in proposals if p.prompt and p.prompt.strip()]
    if not todo:
        raise InvalidInput("prompts", "are all empty. Propose prompts first, or type one for a section.")
    base = check_seed(seed)
    placements: list[tuple[Proposal, str]] = []
    images: list[dict] = []
    stopped = False
    for i, proposal in enumerate(todo):
        if stop is not None and stop.is_set():
            stopped = True
            break
        try:
            image, params = generate(proposal.prompt.strip(), seed_at(base, i))
        except Cancelled:
            stopped = True
            break
        params = dict(params or {})
        params.setdefault("illustrates", proposal.heading)
        img = library.attach_image(owner, article_id, image, params=params)
        images.append(img)
        alt = proposal.prompt if uses_prompt else proposal.heading
        placements.append((proposal, markdown_image(img["ref"], alt)))
        if progress is not None:
            progress(i + 1, len(todo), proposal.heading)
    return IllustrateResult(place_images(body, placements, title), images, stopped, placements)


def image_generator(ctx, model: str, *, stop: threading.Event | None = None,
                    num_inference_steps: int | None = None) -> tuple[Generate, bool]:
    """``(generate, uses_prompt)`` for the image ``model``: ``ctx.images.generator`` (see
    :meth:`studio.image.router.ImageRouter.generator`)."""
    return ctx.images.generator(model, stop=stop, num_inference_steps=num_inference_steps)
