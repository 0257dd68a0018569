"""Text benchmark: the studio's streaming path against a raw ``model.generate``.

Prints, in one run on the same model and settings (greedy, fixed length):
  * tokens/s of TextEngine/backend streaming ÷ tokens/s of raw generate (target ≥ 0.95);
  * time to first token of the streaming path;
  * cold load (GGUF de-quantisation + writing the safetensors cache) and warm load (from the cache).

    .venv/bin/python bench/text.py [--model smollm2-135m-instruct] [--tokens 128] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.text.backends import SamplingParams, StreamStats  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402


def load_time(model: str, cache_dir: Path) -> float:
    s = Settings(device="cpu", text_model=model, cache_dir=cache_dir, data_dir=cache_dir / "d").validate()
    t0 = time.perf_counter()
    TextEngine(ModelManager(s), s).backend()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cold = load_time(args.model, Path(tmp))
        warm = load_time(args.model, Path(tmp))
    s = Settings(device="cpu", text_model=args.model).validate()
    engine = TextEngine(ModelManager(s), s)
    backend = engine.backend()
    prompt = backend.render([{"role": "user", "content": "Write an article about urban gardening for beginners."}])
    n = args.tokens
    params = SamplingParams(temperature=0, max_new_tokens=n, min_new_tokens=n, repetition_penalty=1.1)
    inputs = backend.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)

    def raw() -> float:
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = backend.model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                         repetition_penalty=1.1, temperature=None, top_p=None, top_k=None,
                                         pad_token_id=backend.tokenizer.eos_token_id)
        assert out.shape[1] - inputs["input_ids"].shape[1] == n
        return n / (time.perf_counter() - t0)

    def studio() -> tuple[float, float]:
        stats = StreamStats()
        t0 = time.perf_counter()
        for _ in backend.stream(prompt, params, threading.Event(), stats):
            pass
        dt = time.perf_counter() - t0
        assert stats.tokens == n, stats.tokens
        return n / dt, stats.first_token_s

    raw()  # warm-up
    raws, studios, ttfts = [], [], []
    for _ in range(args.rounds):
        raws.append(raw())
        tps, ttft = studio()
        studios.append(tps)
        ttfts.append(ttft)
    # the whole engine path too (validation, templates, events), greedy, one pass
    t0 = time.perf_counter()
    last = None
    for last in engine.stream(WriteRequest(prompt="urban gardening", task="headlines", temperature=0,
                                           max_new_tokens=n, seed=1)):
        pass
    eng_tps = last.tokens / (time.perf_counter() - t0)

    r, st = statistics.median(raws), statistics.median(studios)
    print(f"model: {args.model}  device: cpu  threads: {torch.get_num_threads()}  new tokens: {n}  rounds: {args.rounds}")
    print(f"cold load (GGUF de-quantise + cache write): {cold:6.2f} s")
    print(f"warm load (safetensors cache):              {warm:6.2f} s   ({cold / warm:.1f}x faster)")
    print(f"raw model.generate:        {r:7.2f} tokens/s")
    print(f"studio streaming path:     {st:7.2f} tokens/s   ratio {st / r:.3f}  (target >= 0.95)")
    print(f"studio engine (whole):     {eng_tps:7.2f} tokens/s   ratio {eng_tps / r:.3f}  (includes time to first token)")
    print(f"time to first token:       {statistics.median(ttfts) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
