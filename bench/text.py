"""Text benchmark: Studio's /write path against raw llama.cpp, and llama.cpp against transformers.

Prints, in one run on the same GGUF file and prompt (greedy, fixed number of new tokens):
  * tokens/s of Studio's /write path (TextEngine.stream) on llama.cpp
    ÷ tokens/s of raw ``llama_cpp.Llama.create_completion(stream=True)``   (target >= 0.95);
  * Studio on llama.cpp ÷ Studio on transformers                          (target >= 3.5);
  * model load time with a fresh (empty) cache on llama.cpp               (target <= 2 s);
  * a fresh ``python app.py`` start to the first token of /write           (target <= 5 s).

    .venv/bin/python bench/text.py [--model smollm2-135m-instruct] [--tokens 200] [--rounds 3] [--no-app]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.text.engine import TextEngine, WriteRequest  # noqa: E402

TOPIC = "urban gardening for beginners: soil, light, water and the first five plants to grow"


def make_engine(model: str, backend: str, cache: Path) -> TextEngine:
    s = Settings(device="cpu", text_model=model, text_backend=backend, cache_dir=cache,
                 data_dir=cache / "d").validate()
    return TextEngine(ModelManager(s), s)


def request(n: int) -> WriteRequest:
    # 'outline' has no min_new_tokens and no length cap: max_new_tokens alone bounds the reply
    return WriteRequest(prompt=TOPIC, task="outline", temperature=0, repetition_penalty=1.0, max_new_tokens=n,
                        seed=1)


def studio_run(engine: TextEngine, n: int) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    last = None
    for last in engine.stream(request(n)):
        pass
    return last.tokens / (time.perf_counter() - t0), last.tokens, last.text


def app_first_token(port: int, data: Path) -> float:
    """Seconds from starting ``python app.py`` to the reply of a one-token /write."""
    from gradio_client import Client

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--no-browser", "--port", str(port),
                             "--data-dir", str(data), "--device", "cpu", "--offline"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        url = f"http://127.0.0.1:{port}/"
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 300:
                    raise RuntimeError("app.py did not start")
                time.sleep(0.05)
        up = time.perf_counter() - t0
        Client(url, verbose=False).predict(prompt="bees", task="headlines", max_new_tokens=1, seed=1,
                                           api_name="/write")
        return up, time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-app", action="store_true", help="skip the app start-up measurement")
    args = ap.parse_args()
    n = args.tokens


    from studio.text.llamacpp import open_llama, threads

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        fast = make_engine(args.model, "llama.cpp", tmp / "fresh-cache")
        backend = fast.backend()
        load_s = time.perf_counter() - t0
        gguf = Path(fast.manager.resolve(args.model, "text").location)
        prompt, _, _ = fast._fit(backend, request(n).validated(), n, [])
        raw_llm = open_llama(gguf, n_ctx=backend.context_size, n_threads=threads(),
                                  n_threads_batch=threads(), verbose=False)

        def raw() -> tuple[float, int, str]:
            raw_llm.reset()  # from scratch, as Studio does: no prompt reused from the previous round
            t0 = time.perf_counter()
            text = ""
            for chunk in raw_llm.create_completion(prompt, max_tokens=n, temperature=0, repeat_penalty=1.0,
                                                   stream=True):
                text += chunk["choices"][0]["text"]
            dt = time.perf_counter() - t0
            tokens = len(raw_llm.tokenize(text.encode(), add_bos=False, special=False))
            return tokens / dt, tokens, text

        raw()
        studio_run(fast, n)  # warm-up
        raws, studios = [], []
        for _ in range(args.rounds):
            raws.append(raw())
            studios.append(studio_run(fast, n))
        r = statistics.median(x[0] for x in raws)
        s = statistics.median(x[0] for x in studios)
        same = raws[0][2].strip() == studios[0][2].strip()
        del raw_llm
        print(f"model: {args.model} ({gguf.name})  threads: {threads()}  new tokens: {n} (greedy)  "
              f"rounds: {args.rounds}")
        print(f"raw llama_cpp.Llama streaming:   {r:7.2f} tokens/s   ({raws[0][1]} tokens)")
        print(f"Studio /write path on llama.cpp: {s:7.2f} tokens/s   ({studios[0][1]} tokens)   "
              f"ratio {s / r:.3f}  (target >= 0.95)   same text as raw: {same}")
        sys.stdout.flush()

        slow = make_engine(args.model, "transformers", tmp / "tf-cache")
        t0 = time.perf_counter()
        slow.backend()
        tf_load = time.perf_counter() - t0
        studio_run(slow, 8)  # warm-up
        tf = statistics.median(studio_run(slow, n)[0] for _ in range(max(1, args.rounds - 1)))
        print(f"Studio /write path on transformers: {tf:7.2f} tokens/s   llama.cpp ÷ transformers "
              f"{s / tf:.2f}x  (target >= 3.5)")
        print(f"model load, fresh cache: llama.cpp {load_s:6.2f} s (target <= 2 s);  transformers {tf_load:6.2f} s "
              "(GGUF de-quantise + cache write)")
        sys.stdout.flush()
        app = None if args.no_app else app_first_token(_free_port(), tmp / "app-data")
        if app is not None:
            print(f"python app.py start: UI up after {app[0]:5.2f} s, first token of /write after {app[1]:5.2f} s "
                  "(target <= 5 s)")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
