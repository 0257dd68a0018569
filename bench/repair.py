"""Benchmark of the Repair tab's OpenCV path against the raw ``cv2.inpaint`` call, in one run.

    .venv/bin/python bench/repair.py [--repeats 100] [--size 512] [--threads 0]

On a smooth synthetic ``size``×``size`` photo with scratches (4-px lines) and a blob (an
object to remove, about 3 % of the picture) it prints, for Telea and Navier–Stokes:

* raw ms: ``cv2.inpaint`` on the uint8 arrays (radius 5);
* studio ms: ``RepairEngine.inpaint(..., save=False)`` on the same arrays (checks, mask
  reading, the exact composite of unmasked pixels), and the ratio raw ÷ studio (target ≥ 0.95);
* with PNG: the request path with saving (PNG + A1111 metadata, temp file + fsync + rename),
  as extra milliseconds over the raw call;
* the PSNR of the mended scratch area against the undamaged photo.

Timings are CPU time of this process (``time.process_time``; OpenCV's inpainting is
single-threaded), the best of interleaved repeats in rotating order: on a busy, shared machine
that is the steadiest estimate of each path's own cost.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from studio.image.diffusion import DiffusionEngine  # noqa: E402
from studio.image.repair import RepairEngine, opencv_fill  # noqa: E402
from studio.models import ModelManager  # noqa: E402
from studio.settings import Settings  # noqa: E402


def photo(size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    r = 120 + 70 * np.sin(x / (size / 6)) * np.cos(y / (size / 4))
    g = 60 + 130 * y / size
    b = 90 + 50 * np.cos((x + y) / (size / 4))
    return np.clip(np.rint(np.stack([r, g, b], axis=2)), 0, 255).astype(np.uint8)


def damage(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image, ImageDraw

    size = rgb.shape[0]
    m = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(m)
    for i in range(3):
        d.line([(0, size * (0.15 + 0.3 * i)), (size, size * (0.35 + 0.25 * i))], fill=255, width=4)
    d.ellipse([size * 0.55, size * 0.55, size * 0.75, size * 0.75], fill=255)
    mask = np.asarray(m) > 0
    out = rgb.copy()
    out[mask] = (20, 15, 10)
    return out, mask


def timed(fn) -> float:
    """CPU seconds this process spent in ``fn()`` (``time.process_time``): unlike wall time, it does
    not count the time other programs held the CPU, so it stays steady on a shared machine."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=0, help="cv2.setNumThreads (0: OpenCV's default)")
    args = ap.parse_args(argv)
    import cv2

    if args.threads:
        cv2.setNumThreads(args.threads)
    clean = photo(args.size)
    damaged, mask = damage(clean)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(device="cpu", data_dir=Path(tmp) / "data", output_dir=Path(tmp) / "out",
                            offline=True, max_image_side=max(2048, args.size)).validate()
        manager = ModelManager(settings)
        engine = RepairEngine(manager, settings, DiffusionEngine(manager, settings))
        print(f"OpenCV {cv2.__version__}, {args.size}×{args.size} px, {int(mask.sum())} masked pixels "
              f"({mask.mean():.1%}), best of {args.repeats} interleaved runs")
        for method in ("telea", "navier-stokes"):
            calls = [
                ("raw", lambda method=method: opencv_fill(damaged, mask, method, 5)),
                ("studio", lambda method=method: engine.inpaint(damaged, mask, opencv_method=method, opencv_radius=5, save=False)),
                ("saving", lambda method=method: engine.inpaint(damaged, mask, opencv_method=method, opencv_radius=5)),
            ]
            for _, fn in calls:  # warm-up
                fn()
            times: dict[str, list[float]] = {k: [] for k, _ in calls}
            for i in range(args.repeats):
                for key, fn in calls[i % 3:] + calls[:i % 3]:
                    times[key].append(timed(fn))
            raw, ours, saving = (min(times[k]) for k in ("raw", "studio", "saving"))
            out = np.asarray(engine.inpaint(damaged, mask, opencv_method=method, save=False).image)
            mse = np.mean((out[mask].astype(float) - clean[mask].astype(float)) ** 2)
            psnr = 10 * np.log10(255**2 / mse) if mse else float("inf")
            print(f"{method:<14} raw {raw * 1000:7.2f} ms  studio {ours * 1000:7.2f} ms  ratio {raw / ours:5.3f}  "
                  f"| with PNG save {(saving - raw) * 1000:+7.2f} ms over raw  | PSNR of the mended area {psnr:5.1f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
