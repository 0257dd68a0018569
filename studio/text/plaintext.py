"""A writer's text is text, never control tokens.

Topic, draft, selection, brief, keywords, a voice's training texts and Illustrate's article reach
the model as ordinary characters: a typed ``<|im_start|>``, ``<|endoftext|>``, ``<s>`` or ``[INST]``
is tokenised as the letters it is made of. Only the chat template's own markers are control tokens.

How, per backend:

* llama.cpp and transformers render the chat template themselves. Their ``render`` wraps every
  message's text (and the assistant prefix, the draft that Continue carries on) in :data:`OPEN` …
  :data:`CLOSE` (Shift Out / Shift In, control characters no user text can hold: ``check_text``
  refuses them and :func:`mark` removes them); :func:`spans` cuts a rendered prompt back into the
  template's parts, tokenised with special tokens parsed, and the writer's parts, tokenised without.
* An OpenAI-compatible server renders the template itself from the JSON messages, and most servers
  then parse special tokens in the whole prompt. Studio cannot tokenise for it, so it sends the
  writer's text with :func:`neutralise` applied: a WORD JOINER (U+2060, invisible, no width) after the
  first character of anything shaped like a special token (``<|…|>``, ``<s>``, ``</s>``, ``[INST]``,
  ``<<SYS>>``, ``<start_of_turn>``...), so that no tokenizer finds the token's exact text; the
  reply has the joiner taken out again (:func:`restore`), so a model quoting the text gives it back as typed.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "\x0e", "\x0f"
_STRIP = str.maketrans("", "", OPEN + CLOSE)
JOINER = "\u2060"

# Shapes of special tokens across model families: <|im_start|>, <|endoftext|>, <|eot_id|>, <s>, </s>,
# <unk>, <pad>, <bos>, <eos>, <start_of_turn>, <end_of_turn>, <think>, [INST], [/INST], [SYSTEM_PROMPT],
# [AVAILABLE_TOOLS], <<SYS>>, <｜begin▁of▁sentence｜> (DeepSeek's full-width bars)...
_SPECIAL = re.compile(
    r"<[|｜][^<>\n]{0,64}?[|｜]>"
    r"|</?(?:s|unk|pad|bos|eos|mask|sep|cls|start_of_turn|end_of_turn|start_of_image|end_of_image|think|"
    r"tool_call|tool_response|image|audio|video)>"
    r"|\[/?(?:INST|SYS|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|IMG|BOS|EOS|UNK|PAD|MASK|SEP|CLS)\]"
    r"|<</?SYS>>",
    re.IGNORECASE,
)


def mark(text: str) -> str:
    """``text`` wrapped as the writer's own (its leading and trailing whitespace outside the marks, so a
    template that trims a message still can)."""
    text = (text or "").translate(_STRIP)
    core = text.strip()
    if not core:
        return text
    start = text.index(core[0])
    return text[:start] + OPEN + core + CLOSE + text[start + len(core):]


def mark_messages(messages: list[dict]) -> list[dict]:
    """The chat messages with every message's text marked as the writer's (:func:`mark`)."""
    return [{**m, "content": mark(m["content"])} if isinstance(m.get("content"), str) else m for m in messages]


def spans(prompt: str) -> list[tuple[str, bool]]:
    """``(text, plain)`` pieces of a rendered prompt, in order: ``plain`` for the writer's text (to be
    tokenised without special tokens), not for the template's own text."""
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(r"[\x0e\x0f]", prompt)):
        if part:
            out.append((part, i % 2 == 1))
    return out


def special_pattern(specials) -> re.Pattern | None:
    """A regex matching any of the vocabulary's special-token strings (longest first), or None for none."""
    texts = sorted({t for t in specials if t}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, texts))) if texts else None


def fragments(prompt: str, specials: re.Pattern | None) -> list[tuple[str, bool]]:
    """``(text, is_special)`` pieces of a rendered prompt, as a tokenizer splits it before tokenising: the
    special tokens of the template's own text, one by one, and the text between them (template and
    writer's text joined, so that it is tokenised exactly as without the marks). A special-token string
    inside the writer's text is part of the text around it."""
    out: list[tuple[str, bool]] = []
    buf = ""
    for part, plain in spans(prompt):
        pos = 0
        for m in () if plain or specials is None else specials.finditer(part):
            buf += part[pos:m.start()]
            if buf:
                out.append((buf, False))
            out.append((m.group(0), True))
            buf, pos = "", m.end()
        buf += part[pos:]
    if buf:
        out.append((buf, False))
    return out


def unmarked(prompt: str) -> str:
    """The prompt as the model sees it (without the marks)."""
    return prompt.translate(_STRIP)


def plain_ids(tokenizer, text: str) -> list[int]:
    """Token ids of ``text`` with a transformers tokenizer, special-token strings in it split into ordinary
    characters (``split_special_tokens``), none added."""
    return list(tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"])


def neutralise(text: str) -> str:
    """``text`` with a WORD JOINER after the first character of every special-token shape (for servers
    that render the chat template themselves); ``restore(neutralise(t)) == t``."""
    text = text or ""
    if JOINER in text:  # keep the writer's own joiners apart from ours: restore() only removes ours
        text = text.replace(JOINER, JOINER + JOINER)
    return _SPECIAL.sub(lambda m: m.group(0)[0] + JOINER + m.group(0)[1:], text)


_NEUTRALISED = re.compile("([<\\[｜])" + JOINER + "(?!" + JOINER + ")")


def restore(text: str) -> str:
    """The text a model gave back, with the joiners :func:`neutralise` put in taken out."""
    if JOINER not in text:
        return text
    return _NEUTRALISED.sub(r"\1", text).replace(JOINER + JOINER, JOINER)


__all__ = ["OPEN", "CLOSE", "JOINER", "mark", "mark_messages", "spans", "unmarked", "special_pattern", "fragments", "plain_ids", "neutralise", "restore"]
