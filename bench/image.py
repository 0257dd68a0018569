"""Benchmark of the Image tab's engines against the raw library calls, in one run.

    .venv/bin/python bench/image.py [--repeats 5] [--device cpu|cuda] [--threads 1]

For the tiny random diffusion pipeline (studio/testing.make_tiny_sd, 64x64, 4 steps)
and the real DCGAN, at batch 1 and 16, it prints:

* raw images/s: the plain ``pipe(...)`` call (per-image CPU generators, PIL out) or the
  plain generator forward + conversion to PIL;
* studio images/s: ``DiffusionEngine.generate`` / ``GanEngine.generate`` with ``save=False``
  (checks, seeds, progress/stop callback, NaN guard), and their ratio to raw (target >= 0.95);
* the request path with saving (PNG + metadata, temp file + fsync + rename): its extra
  milliseconds per request over the raw call;
* the cost of Content Credentials (issue #30): a GAN batch of 8 saved with ``--provenance full``
  (signed C2PA manifest + IPTC XMP) against ``--provenance metadata`` (XMP, no signature), the signing
  milliseconds per picture and their share of the batch (target: under 10%).
* pictures/s through Studio's own OpenAI API (``POST /v1/images/generations`` with the ``openai``
  client, on a Studio launched in this process) ÷ the local engine (``GanEngine.generate``, which
  also saves its PNGs), DCGAN at batch 8, in the same run (target >= 0.90; ``--no-api`` skips it).

Timings are the best of interleaved repeats in rotating order (at least ``--repeats``; more for fast calls) (raw and studio alternate): on a busy,
shared machine the minimum is the steadiest estimate of each path's own cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent

from studio.image.diffusion import DiffusionEngine  # noqa: E402
from studio.image.gan import GanEngine, to_pil  # noqa: E402
from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.testing import make_tiny_sd  # noqa: E402


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def compare(name: str, batch: int, raw, studio, studio_saving, repeats: int) -> None:
    for f in (raw, studio, studio_saving):  # warm-up
        f()
    n = min(200, max(repeats, int(4.0 / max(timed(raw), 1e-4))))  # about 4 s of raw calls per path
    times: dict[str, list[float]] = {"raw": [], "studio": [], "saving": []}
    calls = [("raw", raw), ("studio", studio), ("saving", studio_saving)]
    for i in range(n):  # rotate the order, so that no path always runs right after another
        for key, fn in calls[i % 3:] + calls[:i % 3]:
            times[key].append(timed(fn))
    rm, sm, wm = min(times["raw"]), min(times["studio"]), min(times["saving"])
    print(f"{name:<22} batch {batch:>2}  raw {batch / rm:8.1f} img/s  studio {batch / sm:8.1f} img/s  "
          f"ratio {rm / sm:5.3f} | over the raw call: engine {(sm - rm) * 1000:+7.2f} ms, "
          f"with PNG save {(wm - rm) * 1000:+7.2f} ms ({(wm - sm) * 1000 / batch:5.2f} ms/image to save)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1 keeps timings steady on a shared machine; 0 = torch's default)")
    p.add_argument("--no-api", action="store_true", help="skip the /v1/images/generations comparison")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    tiny = make_tiny_sd(tmp / "models" / "tiny-sd")
    settings = Settings(device=args.device, data_dir=tmp / "data", output_dir=tmp / "out",
                        model_dirs=[tmp / "models"], offline=True).validate()
    manager = ModelManager(settings)
    print(f"device {manager.device}, dtype {manager.dtype}, torch threads {torch.get_num_threads()}, "
          f"best of at least {args.repeats} interleaved repeats (more for fast calls)")

    diffusion = DiffusionEngine(manager, settings)
    pipe = diffusion.pipeline(str(tiny))
    for batch in (1, 16):
        kw = dict(prompt="a red fox in the snow", width=64, height=64, num_inference_steps=4, guidance_scale=0.0)

        def raw(batch=batch, kw=kw):
            gens = [torch.Generator("cpu").manual_seed(7 + i) for i in range(batch)]
            with torch.inference_mode():
                _ = pipe(**kw, num_images_per_prompt=batch, generator=gens).images

        def studio(batch=batch, kw=kw, save=False):
            diffusion.generate(**kw, model=str(tiny), seed=7, num_images=batch, save=save)

        diffusion.batch_size = max(diffusion.batch_size, 16)
        compare("tiny diffusion 64px", batch, raw, studio, lambda s=studio: s(save=True), args.repeats)

    gan = GanEngine(manager, settings)
    net = manager.get("gan", "dcgan-faces")
    for batch in (1, 16):
        def raw_gan(batch=batch):
            z = torch.randn(batch, 100, 1, 1, generator=torch.Generator("cpu").manual_seed(7))
            with torch.inference_mode():
                to_pil(net(z.to(manager.device)), 64)

        def studio_gan(batch=batch, save=False):
            gan.generate(batch, seed=7, size=64, save=save)

        compare("DCGAN faces 64px", batch, raw_gan, studio_gan, lambda s=studio_gan: s(save=True), args.repeats)
    signing_cost(manager, tmp, args.device, args.repeats)
    if not args.no_api:
        api_vs_local(tmp, args.repeats)
    return 0


def signing_cost(manager, tmp: Path, device: str, repeats: int) -> None:
    """A GAN batch of 8, saved, signed (--provenance full) and not (metadata), at the UI's sizes."""
    engines = {}
    for mode in ("metadata", "full"):
        s = Settings(device=device, data_dir=tmp / "data", output_dir=tmp / f"out-{mode}", offline=True,
                     provenance=mode).validate()
        engines[mode] = GanEngine(manager, s)
    for size in (64, 256):
        calls = {mode: (lambda e=e, size=size: e.generate(8, seed=7, size=size, save=True)) for mode, e in engines.items()}
        for f in calls.values():  # warm-up (the first signing loads c2pa and the key)
            f()
        n = max(repeats, int(4.0 / max(timed(calls["metadata"]), 1e-3)))
        times: dict[str, list[float]] = {m: [] for m in calls}
        for i in range(n):
            order = list(calls.items()) if i % 2 == 0 else list(reversed(calls.items()))
            for mode, fn in order:
                times[mode].append(timed(fn))
        plain, signed = min(times["metadata"]), min(times["full"])
        per = (signed - plain) / 8 * 1000
        print(f"Content Credentials     GAN batch 8 at {size:>3}px saved: unsigned {plain * 1000:7.1f} ms, signed "
              f"{signed * 1000:7.1f} ms | signing {per:5.2f} ms/picture = {(signed - plain) / plain * 100:4.1f}% "
              f"of the batch (target < 10%)")



def api_vs_local(tmp: Path, repeats: int, batch: int = 8) -> None:
    """Pictures/s through ``/v1/images/generations`` ÷ the local engine, DCGAN at ``batch``, paired runs."""
    import socket

    import openai

    sys.path.insert(0, str(ROOT))
    import app as studio_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(port), "--data-dir", str(tmp / "api-data"),
                                       "--output-dir", str(tmp / "api-out"), "--device", "cpu", "--offline"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0)

        pool = ThreadPoolExecutor(1)  # a long-lived worker thread, as the server's (torch's threads differ there)

        def local():
            pool.submit(ctx.gan.generate, batch, seed=7, size=64).result()

        def api():
            r = client.images.generate(model="dcgan-faces", prompt="", n=batch, size="64x64",
                                       response_format="b64_json", extra_body={"seed": 7})
            assert len(r.data) == batch

        local(), api()  # warm-up
        n = max(repeats, min(100, int(4.0 / max(timed(local), 1e-4))))
        times: dict[str, list[float]] = {"local": [], "api": []}
        for i in range(n):
            for key, fn in ((("local", local), ("api", api)) if i % 2 == 0 else (("api", api), ("local", local))):
                times[key].append(timed(fn))
        lm, am = min(times["local"]), min(times["api"])
        print(f"DCGAN via /v1/images/generations batch {batch}: local engine {batch / lm:8.1f} img/s, "
              f"HTTP API {batch / am:8.1f} img/s, API ÷ local {lm / am:5.3f} (target >= 0.90; best of {n} pairs; "
              f"over the engine: {(am - lm) * 1000:+.1f} ms per request)")
    finally:
        demo.close()


if __name__ == "__main__":
    sys.exit(main())
