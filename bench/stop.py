"""Stop benchmark: how long Stop takes to end a generation, as a writer feels it.

The suite checks that Stop works (the job ends with the text so far and its worker thread ends);
how *fast* it acts is a figure that depends on the machine and its load, so it is measured here.
For each round, a long request streams; after ``--after`` tokens the stop event is set (as the
Stop button and a closed tab do) and the script measures:
  * stop → the stream's last event (what the writer sees: the draft stops growing);
  * stop → the worker thread's end (when the device is free for the next job);
  * tokens generated after the stop (target: at most 1).

    .venv/bin/python bench/stop.py [--model smollm2-135m-instruct] [--rounds 5] [--after 8]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402


def generation_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "studio-generate" and t.is_alive()]


def one_round(engine: TextEngine, after: int, seed: int) -> tuple[float, float, int]:
    """Returns (ms to the last event, ms to the thread's end, tokens after the stop)."""
    stop = threading.Event()
    req = WriteRequest(prompt="A long story about bees begins here.", task="continue", length_words=600,
                       max_new_tokens=2000, seed=seed)
    t_stop = None
    tokens_at_stop = 0
    last = None
    for ev in engine.stream(req, stop):
        last = ev
        if t_stop is None and ev.tokens >= after:
            threads = generation_threads()
            tokens_at_stop = ev.tokens
            t_stop = time.perf_counter()
            stop.set()
    t_event = time.perf_counter()
    for t in threads:
        t.join(timeout=60)
    t_thread = time.perf_counter()
    return (t_event - t_stop) * 1000, (t_thread - t_stop) * 1000, last.tokens - tokens_at_stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--after", type=int, default=8, help="tokens to write before pressing Stop")
    args = ap.parse_args()
    s = Settings(device="cpu", text_model=args.model).validate()
    engine = TextEngine(ModelManager(s), s)
    print(f"model {args.model}, backend {type(engine.backend()).__name__}")
    rows = [one_round(engine, args.after, seed) for seed in range(args.rounds)]
    for name, i in (("stop -> last event", 0), ("stop -> thread ended", 1)):
        vals = [r[i] for r in rows]
        print(f"{name:22s} median {statistics.median(vals):7.1f} ms   max {max(vals):7.1f} ms")
    extra = [r[2] for r in rows]
    print(f"{'tokens after stop':22s} median {statistics.median(extra):7.1f}      max {max(extra)} (target <= 1)")


if __name__ == "__main__":
    main()
