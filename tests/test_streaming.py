"""The per-token bookkeeping of a stream: the running word count, and stop sequences found in the new text."""

from __future__ import annotations

import random
import threading

from studio.text.backends import SamplingParams, StreamStats
from studio.text.streaming import WordCount, stream_until
from studio.unitext import count_words

PIECES = ["word", " ", "  ", "\n", "\n\n", "\t", "don't", "well-known", "[", "]", "(", ")", "![alt text](images/a.png)",
          "[a link](http://x.y/z w)", "我喜欢", "种菜。", "-", "’", "x", "7", "![", "](", "**bold**", "#"]


def test_running_word_count_equals_counting_the_whole_text_at_every_step():
    rng = random.Random(5)
    for _ in range(300):
        counter, text = WordCount(), ""
        for _ in range(rng.randint(1, 60)):
            piece = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3)))
            # a chunk may split a piece anywhere, as tokens split words and links
            for chunk in (piece[: len(piece) // 2], piece[len(piece) // 2:]):
                text += chunk
                assert counter.count(text) == count_words(text), repr(text)


def test_running_word_count_starts_again_on_a_shorter_text():
    counter = WordCount()
    assert counter.count("one two three four ") == 4
    assert counter.count("five") == 1


class Chunks:
    """A backend that streams fixed chunks."""

    def __init__(self, chunks):
        self.chunks = chunks

    def stream(self, prompt, params, stop, stats=None):
        for c in self.chunks:
            if stop.is_set():
                return
            yield c


def test_a_stop_sequence_split_over_chunks_ends_the_reply_before_it():
    result: list[str] = []
    chunks = ["Soil ", "and light", ". I ho", "pe this ", "helps", " more"]
    out = list(stream_until(Chunks(chunks), "", SamplingParams(), threading.Event(), StreamStats(),
                            ("I hope", "Let me know"), result))
    assert result == ["Soil and light. "]
    assert "".join(out).startswith("Soil and light. ") and "helps" not in "".join(out)
    result = []
    list(stream_until(Chunks(["Let", " me", " know", " more"]), "", SamplingParams(), threading.Event(),
                      StreamStats(), ("I hope", "Let me know"), result))
    assert result == [""]
