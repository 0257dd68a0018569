"""A voice on llama-server, two ways (issue #25, item 3): the voice merged into a copy of the GGUF on a server of
its own (what Studio does) ÷ the base GGUF's server with the voice's GGUF LoRA applied per request (``--lora`` at
start, ``"lora": [{"id": 0, "scale": 1}]`` in each request: one server for every writer and voice).

    .venv/bin/python bench/voice_server.py [--tokens 200] [--rounds 4] [--threads 1]

The voice: a random LoRA (rank 8 on the attention projections, as Studio trains a voice) on the embedded SmolLM2 GGUF,
converted and merged by Studio's own code (studio/voice/gguf.py). Prints tokens/s of each (the tokens the server
generated ÷ the request's wall time, greedy, the same prompt), the median of pairs run one right after the other in
alternating order, and for how many tokens both wrote the same (a merged copy is re-quantised, so the texts may part).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.text import paired  # noqa: E402 - pairs in alternating order

PROMPT = ("<|im_start|>user\nWrite a short article about keeping bees on a city roof.<|im_end|>\n"
          "<|im_start|>assistant\n")


def make_voice(folder: Path, ref: str, gguf: Path, manager) -> tuple[Path, Path]:
    """A random rank-8 voice on the attention projections (Studio's voices') for ``gguf``: its GGUF LoRA and the merged copy (Studio's own converters)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from studio.voice.backend import load_base
    from studio.voice.gguf import convert, merge
    from studio.voice.train import TARGET_MODULES

    base, _ = load_base(manager.resolve(ref, "text"), manager)
    torch.manual_seed(0)
    peft = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM",
                                           init_lora_weights=False))
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_B" in name:
                p.mul_(0.05)  # a small change, as training makes: the merge keeps it whole
    peft.save_pretrained(str(folder / "adapter"))
    return convert(folder / "adapter", gguf, folder / "adapter.gguf"), merge(folder / "adapter", gguf,
                                                                           folder / "voice.gguf")


def main(argv: list[str] | None = None) -> None:
    import httpx

    from studio.models import ModelManager
    from studio.settings import Settings
    from studio.text.llama_server import ServerProcess, find_binary

    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("STUDIO_LLAMA_THREADS", "1")))
    args = ap.parse_args(argv)
    binary = find_binary()
    if binary is None:
        sys.exit("llama-server was not built (bash scripts/build_llama_server.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        s = Settings(device="cpu", data_dir=tmp / "d", cache_dir=tmp / "c").validate()
        manager = ModelManager(s)
        gguf = Path(manager.resolve(s.text_model, "text").location)
        lora, merged = make_voice(tmp, s.text_model, gguf, manager)
        servers = {"merged": ServerProcess(binary, merged, 1, 2048, args.threads, log_dir=tmp),
                   "lora": ServerProcess(binary, gguf, 1, 2048, args.threads, lora=lora, log_dir=tmp)}
        for server in servers.values():
            server.start()
        try:
            def run(name: str):
                server = servers[name]
                body = {"prompt": PROMPT, "n_predict": args.tokens, "temperature": 0, "cache_prompt": False,
                        "return_tokens": True, "ignore_eos": True}
                if name == "lora":
                    body["lora"] = [{"id": 0, "scale": 1.0}]

                def go():
                    t0 = time.perf_counter()
                    r = httpx.post(server.url + "/completion", json=body, timeout=600,
                                   headers={"Authorization": f"Bearer {server.key}"})
                    r.raise_for_status()
                    out = r.json()
                    return time.perf_counter() - t0, out["tokens_predicted"], out.get("tokens") or []
                return go

            load = os.getloadavg()[0]
            run("merged")(), run("lora")()  # warm-up
            merged_runs, lora_runs = paired(run("merged"), run("lora"), args.rounds)
            ratios = [(m[1] / m[0]) / (lo[1] / lo[0]) for m, lo in zip(merged_runs, lora_runs, strict=True)]
            a, b = merged_runs[-1][2], lora_runs[-1][2]
            same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            print(f"a voice on llama-server, {args.tokens} tokens, greedy, {args.threads} thread(s): merged copy on a "
                  f"server of its own {statistics.median(m[1] / m[0] for m in merged_runs):.1f} tokens/s, the base "
                  f"server with the LoRA applied per request {statistics.median(lo[1] / lo[0] for lo in lora_runs):.1f}"
                  f" tokens/s; merged ÷ per-request LoRA {statistics.median(ratios):.2f} (pairs "
                  f"{' '.join(f'{x:.2f}' for x in ratios)}); both wrote the same first {same} of {len(b)} tokens; "
                  f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
        finally:
            for server in servers.values():
                server.stop()


if __name__ == "__main__":
    main()
