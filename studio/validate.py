"""Boundary checks shared by every engine. Each raises :class:`InvalidInput`
naming the field and the allowed range; none of them "fixes" a value.
"""

from __future__ import annotations

import math
import random
from typing import Any

from .errors import InvalidInput

SEED_MAX = 2**32 - 1  # torch.Generator and numpy both accept 0..2**32-1 on every device
MAX_PROMPT_CHARS = 20_000


def check_int(field: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]``; floats must be whole (``4.0`` is fine, ``4.5`` is not)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(field, "must be a whole number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=repr(value))
    shown = None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InvalidInput(field, "must be a whole number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=repr(value))
        if abs(value) >= 2**53:  # a huge number typed in a browser arrives as an inexact float: quote it as one
            shown = f"{value:g}"
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInput(field, "must be a whole number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=repr(value)) from None
    if not isinstance(value, int):
        raise InvalidInput(field, "must be a whole number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=type(value).__name__)
    if not lo <= value <= hi:
        raise InvalidInput(field, "must be from {a} to {b}, not {user_v}.", a=lo, b=hi,
                           user_v=value if shown is None else shown)
    return value


def check_float(field: str, value: Any, lo: float, hi: float) -> float:
    """``value`` as a finite float in ``[lo, hi]`` (NaN and inf are refused)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(field, "must be a number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=repr(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, "must be a number from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=repr(value)) from None
    if not math.isfinite(number):
        raise InvalidInput(field, "must be a finite number from {a} to {b}, not {user_v}.", a=lo, b=hi,
                           user_v=repr(value))
    if not lo <= number <= hi:
        raise InvalidInput(field, "must be from {a} to {b}, not {user_v}.", a=lo, b=hi, user_v=f"{number:g}")
    return number


def check_seed(value: Any, field: str = "seed", *, draw: bool = True) -> int:
    """A seed: ``-1`` for random, else ``0..2**32-1``. Returns the seed to use: with ``draw`` (the
    default) a random one is drawn here for ``-1``; with ``draw=False`` ``-1`` is returned as it is
    (a form that passes the seed on to an engine).

    Raises:
        InvalidInput: naming ``field``, for anything but a whole number from -1 to 2**32-1.
    """
    seed = check_int(field, value, -1, SEED_MAX)
    return random.randint(0, SEED_MAX) if seed == -1 and draw else seed


def seed_at(seed: int, index: int) -> int:
    """The seed of picture ``index`` (0-based) of a batch that starts at ``seed``: ``seed + index``,
    wrapping past :data:`SEED_MAX` to 0."""
    return (seed + index) % (SEED_MAX + 1)


def check_choice(field: str, value: Any, choices) -> str:
    """``value`` must be one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(field, "must be one of {c}, not {user_v}.", c=", ".join(map(str, choices)),
                           user_v=repr(value))
    return value


def check_text(field: str, value: Any, *, required: bool = True, max_chars: int = MAX_PROMPT_CHARS) -> str:
    """A user text: a string, not empty when ``required``, at most ``max_chars`` characters.

    Control characters other than tab and newline are refused, and lone
    surrogates (which no UTF-8 file can hold) too, and U+FFFE / U+FFFF, which
    are not characters and which XML (so DOCX) cannot hold: every character
    this lets in can be saved and exported to every format.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text, not {user_v}.", user_v=type(value).__name__)
    if required and not value.strip():
        raise InvalidInput(field, "is empty. Type something first.")
    if len(value) > max_chars:
        raise InvalidInput(field, "is {n} characters long; the limit is {m}. Shorten it.", n=f"{len(value):,}",
                           m=f"{max_chars:,}")
    for ch in value:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            raise InvalidInput(field, "contains a broken character (a lone surrogate). Retype or paste it again.")
        if (code < 32 and ch not in "\t\n\r") or code == 0x7F:
            raise InvalidInput(field, "contains a control character (code {c}). Remove it.", c=code)
        if code in (0xFFFE, 0xFFFF):
            raise InvalidInput(field, "contains U+{c}, which is not a character and which documents (DOCX, XML) "
                                      "cannot hold. Remove it.", c=f"{code:04X}")
    return value
