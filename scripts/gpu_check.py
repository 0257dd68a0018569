#!/usr/bin/env python
"""Prove Studio's GPU path in one run: every GPU-relevant setting, through Studio's own engines.

    timeout 480 .venv/bin/python scripts/gpu_check.py --device cuda   # on a lent GPU, after scripts/setup.sh
    .venv/bin/python scripts/gpu_check.py --device cpu --quick          # here: the same script, CUDA rows skipped

Needs nothing but the repository and its set-up: the diffusion rows use a tiny random
Stable Diffusion pipeline built on the spot (studio/testing.py), the other rows the
embedded weights. Rows (each names the setting it tests):

* text: the transformers backend (bf16 on CUDA) writes 64 tokens twice with one seed (same text,
  tokens/s); llama.cpp with its layers on the GPU when ``studio.text.llamacpp`` exists and the
  llama-cpp-python build supports GPU offload;
* diffusion text-to-image and img2img (inpainting once it exists) in fp16 and bf16, plain and with
  ``cpu_offload``, ``attention_slicing``, ``vae_tiling`` and ``compile`` each on: output size,
  no NaN/black picture, the same picture again from the same seed, ms per step; the half-precision
  VAE's float32 re-decode (the NaN guard); CPU and CUDA starting noise equal for one seed;
* GAN faces and style transfer on CUDA against the CPU: largest and mean pixel difference.

Each row prints ok, FAIL (with the reason) or skipped, with its numbers and the peak GPU memory
(``torch.cuda.max_memory_allocated``). A failing row does not stop the others; the exit status is
1 when any row failed. ``--only text,gan`` re-runs just the rows whose name contains one of the words.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import inspect
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from studio.context import StudioContext  # noqa: E402
from studio.devices import free_memory  # noqa: E402
from studio.settings import Settings, default_cache_dir  # noqa: E402

PROMPT = "a lighthouse on a cliff at dusk, oil painting"
SEED = 1234
WIDTH, HEIGHT = 96, 64  # not square (catches swapped sides); wider than the tiny VAE's 64 px tile
REPEAT_TOLERANCE = 1  # uint8 levels two runs of one seed may differ by on one device
DEVICE_MEAN_TOLERANCE = 2.0  # mean uint8 difference allowed between CUDA and CPU (TF32 convolutions)
DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
OPTIONS = ("plain", "cpu_offload", "attention_slicing", "vae_tiling", "compile")
CUDA_ONLY_OPTIONS = {"cpu_offload": "accelerate's offload moves models to a GPU",
                     "compile": "compiling on a CPU takes minutes"}


# ----- rows and the table ----------------------------------------------------------------
class Skip(Exception):
    """Raised inside a row: the row is shown as skipped, with this reason."""


class Failed(Exception):
    """Raised inside a row by :func:`expect`: the row failed, with this reason."""


def expect(condition: bool, reason: str) -> None:
    """Fail the current row with ``reason`` unless ``condition`` (works under ``python -O`` too)."""
    if not condition:
        raise Failed(reason)


@dataclasses.dataclass
class Row:
    name: str
    setting: str
    result: str = "ok"
    numbers: str = ""
    peak_mib: str = "-"
    reason: str = ""


class Checker:
    """Runs rows one by one, catching each row's failure, and prints the table."""

    def __init__(self, device: torch.device, quick: bool, only: list[str], tmp: Path, text_model: str = ""):
        self.device, self.quick, self.only, self.tmp = device, quick, only, tmp
        self.text_model = text_model  # the transformers row's model; "" = the embedded one
        self.cuda = device.type == "cuda"
        self.rows: list[Row] = []

    def wanted(self, name: str) -> bool:
        return not self.only or any(word in name for word in self.only)

    def add(self, name: str, setting: str, result: str, reason: str = "") -> None:
        if self.wanted(name):
            self._done(Row(name, setting, result, reason=reason))

    def run(self, name: str, setting: str, fn, needs_cuda: str | None = None) -> None:
        """Run ``fn() -> str`` (the row's numbers) as one row; ``needs_cuda`` skips it on a CPU."""
        if not self.wanted(name):
            return
        if needs_cuda and not self.cuda:
            return self._done(Row(name, setting, "skipped", reason=f"needs CUDA ({needs_cuda})"))
        row = Row(name, setting)
        if self.cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        try:
            row.numbers = fn() or ""
        except Skip as exc:
            row.result, row.reason = "skipped", str(exc)
        except Failed as exc:
            row.result, row.reason = "FAIL", str(exc)
        except Exception as exc:  # noqa: BLE001 - one row's failure must not stop the others
            row.result, row.reason = "FAIL", f"{type(exc).__name__}: {str(exc)[:300]}"
            traceback.print_exc(file=sys.stderr)
        if self.cuda:
            row.peak_mib = f"{torch.cuda.max_memory_allocated() / 2**20:.0f}"
        row.numbers = (row.numbers + "; " if row.numbers else "") + f"row {time.perf_counter() - t0:.1f} s"
        self._done(row)

    def _done(self, row: Row) -> None:
        self.rows.append(row)
        print(f"[{row.result}] {row.name} ({row.setting}) {row.numbers} {row.reason}".rstrip(), flush=True)

    def table(self) -> str:
        head = ("ROW", "SETTING", "RESULT", "NUMBERS", "PEAK MiB", "REASON")
        cells = [head] + [(r.name, r.setting, r.result, r.numbers, r.peak_mib, r.reason) for r in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(5)]
        lines = [" | ".join(c[i].ljust(widths[i]) for i in range(5)) + (" | " + c[5] if c[5] else "") for c in cells]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        failed = sum(r.result == "FAIL" for r in self.rows)
        skipped = sum(r.result == "skipped" for r in self.rows)
        lines.append(f"{len(self.rows)} rows: {len(self.rows) - failed - skipped} ok, {failed} FAIL, {skipped} skipped")
        return "\n".join(lines)


# ----- shared helpers -----------------------------------------------------------------------
def make_context(checker: Checker, device: str | None = None, **options) -> StudioContext:
    """A StudioContext on ``device`` (default: the checked one) with its folders in the temp dir."""
    tmp = checker.tmp
    settings = Settings(
        device=device or checker.device.type, data_dir=tmp / "data", output_dir=tmp / "outputs",
        cache_dir=default_cache_dir(), model_dirs=[tmp], offline=True, **options,
    ).validate()
    return StudioContext.create(settings)


def release(ctx: StudioContext | None = None) -> None:
    """Drop every model of ``ctx`` and the compile caches, and free GPU memory."""
    if ctx is not None:
        for kind in ("text", "diffusion", "gan", "style"):
            ctx.manager.unload(kind)
    if hasattr(torch, "_dynamo"):
        torch._dynamo.reset()
    gc.collect()
    free_memory(None)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def check_picture(image: Image.Image, size: tuple[int, int]) -> None:
    expect(image.size == size, f"picture is {image.size[0]}x{image.size[1]}, not {size[0]}x{size[1]}")
    expect(int(pixels(image).max()) > 1, "picture is black")


def content_picture(size=(WIDTH, HEIGHT)) -> Image.Image:
    """A smooth colour gradient with a bright disc: a stand-in photo (uint8 RGB)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    disc = ((x - w * 0.6) ** 2 + (y - h * 0.4) ** 2 < (min(w, h) * 0.25) ** 2) * 120.0
    rgb = np.stack([x / w * 200 + disc * 0.5, y / h * 180 + 30, 160 - x / w * 100 + disc], axis=-1)
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8))


class StepClock:
    """A ``progress`` callback that times the denoising steps; ``ms_per_step`` after a run."""

    def __init__(self):
        self.stamps: list[float] = []

    def __call__(self, done: int, total: int) -> None:
        self.stamps.append(time.perf_counter())

    def ms_per_step(self) -> float:
        s = self.stamps
        return (s[-1] - s[0]) / (len(s) - 1) * 1000 if len(s) > 1 else float("nan")


# ----- text ------------------------------------------------------------------------------------
def embedded_text_installed() -> bool:
    """Whether the embedded SmolLM2 GGUF's wheel is installed (a GPU machine may lack it: 94 MB)."""
    from studio.models import embedded_file

    return embedded_file("smollm2-135m-instruct") is not None


def text_rows(ck: Checker) -> None:
    from studio.text.engine import WriteRequest

    def transformers_row() -> str:
        model = ck.text_model or "smollm2-135m-instruct"
        tiny = not ck.text_model and (ck.quick or not ck.cuda or not embedded_text_installed())
        if tiny:  # on a CPU the row proves the path; the embedded model's is tested elsewhere
            from studio.testing import make_tiny_lm

            model = str(make_tiny_lm(ck.tmp / "tiny-lm"))
        ctx = make_context(ck, text_model=model, text_backend="transformers")
        ctx.text.retries = 0  # one model call per request: the row measures the backend, not the quality retries
        try:
            backend = ctx.text.backend()
            if ck.cuda:
                expect(backend.model.dtype == torch.bfloat16, f"model dtype is {backend.model.dtype}, not bf16")
                expect(backend.model.device.type == "cuda", f"model is on {backend.model.device}")
            request = WriteRequest(prompt="a walk by the sea at dawn", task="article", length_words=100,
                                   max_new_tokens=64, seed=SEED)
            runs = [list(ctx.text.stream(request))[-1] for _ in range(2)]
            expect(runs[0].tokens == 64, f"{runs[0].tokens} tokens were written, not 64")
            expect(runs[0].text == runs[1].text, "the same seed wrote different texts")
            return f"{'tiny random LM' if tiny else model}; 64 tokens twice, same text; " \
                   f"{runs[1].tokens_per_s:.1f} tokens/s"
        finally:
            release(ctx)

    dtype = "bf16" if ck.cuda else "fp32"
    ck.run("text transformers", f"{ck.device.type} {dtype}, 64 tokens, seed {SEED}", transformers_row)

    try:
        import llama_cpp  # noqa: F401 - the llama.cpp backend needs llama-cpp-python
    except ImportError:
        return ck.add("text llama.cpp", "n_gpu_layers", "skipped", "llama-cpp-python is not installed")

    def llamacpp_row() -> str:
        import llama_cpp

        from studio.text.backends import SamplingParams, StreamStats

        if not llama_cpp.llama_supports_gpu_offload():
            raise Skip("this llama-cpp-python build cannot put layers on a GPU (llama_supports_gpu_offload); "
                       "build it with CMAKE_ARGS=-DGGML_CUDA=on to test this row")
        ctx = make_context(ck, text_backend="llama.cpp")
        used = [torch.cuda.mem_get_info()]  # llama.cpp's memory is not torch's: measured on the whole card
        try:
            backend = ctx.text.backend()
            llamas = [v for v in vars(backend).values() if isinstance(v, llama_cpp.Llama)]
            layers = llamas[0].model_params.n_gpu_layers if llamas else None  # None: no Llama attribute found
            expect(layers != 0, "the model was loaded with n_gpu_layers=0 (all on the CPU)")
            texts, rate = [], 0.0
            for _ in range(2):
                stats = StreamStats()
                prompt = backend.render([{"role": "user", "content": "Write about a walk by the sea."}])
                params = SamplingParams(max_new_tokens=64, min_new_tokens=64, seed=SEED)
                texts.append("".join(backend.stream(prompt, params, threading.Event(), stats)))
                rate = stats.tokens_per_s
            expect(texts[0] == texts[1], "the same seed wrote different texts")
            shown = "all" if layers is not None and layers >= 0x7FFFFFFF else layers
            used.append(torch.cuda.mem_get_info())
            card = (used[0][0] - used[1][0]) / 2**20
            expect(layers is not None or card > 32, f"n_gpu_layers unknown and the card's memory grew {card:.0f} MiB")
            return f"n_gpu_layers={shown}; 64 tokens twice, same text; {rate:.1f} tokens/s; card memory +{card:.0f} MiB"
        finally:
            release(ctx)

    ck.run("text llama.cpp", "GPU layers (n_gpu_layers), 64 tokens", llamacpp_row, needs_cuda="GPU layers")


# ----- diffusion: text-to-image, img2img, inpainting ---------------------------------------
def diffusion_rows(ck: Checker, sd_dir: Path, options: tuple[str, ...]) -> None:
    """Rows of every precision for each of ``options`` (``plain`` or a Settings flag), one context each."""
    steps = 2 if ck.quick else 4
    precisions = ["fp16", "bf16"] if ck.cuda else ["fp32"]
    for precision in precisions:
        dtype = DTYPES[precision]
        for option in options:
            tag = f"{precision} {option}"
            if not any(ck.wanted(f"{kind} {tag}") for kind in ("t2i", "img2img", "noise", "redecode")):
                continue
            if option in CUDA_ONLY_OPTIONS and not ck.cuda:
                ck.add(f"t2i {tag}", f"--{option.replace('_', '-')}", "skipped",
                       f"needs CUDA ({CUDA_ONLY_OPTIONS[option]})")
                continue
            flags = {option: True} if option != "plain" else {}
            ctx = make_context(ck, diffusion_model=str(sd_dir), **flags)
            ctx.manager.dtype = dtype  # the studio picks bf16 on this card; fp16 is what older cards get
            setting = f"{ck.device.type} {precision}" + (f" --{option.replace('_', '-')}" if flags else "")
            try:
                one_config(ck, ctx, tag, setting, steps, dtype)
            finally:
                release(ctx)


def one_config(ck: Checker, ctx: StudioContext, tag: str, setting: str, steps: int, dtype: torch.dtype) -> None:
    def t2i() -> str:
        t0 = time.perf_counter()
        pipe = ctx.diffusion.pipeline()
        load_s = time.perf_counter() - t0
        expect(pipe.unet.dtype == dtype and pipe.vae.dtype == dtype, f"pipeline dtype is {pipe.unet.dtype}")
        results, clock = [], StepClock()
        for _ in range(2):
            clock = StepClock()
            results.append(ctx.diffusion.generate(PROMPT, width=WIDTH, height=HEIGHT, num_inference_steps=steps,
                                                  guidance_scale=7.5, seed=SEED, progress=clock, save=False))
        image = results[1].images[0]
        check_picture(image, (WIDTH, HEIGHT))
        diff = int(np.abs(pixels(results[0].images[0]) - pixels(image)).max())
        expect(diff <= REPEAT_TOLERANCE, f"the same seed gave a different picture (max diff {diff})")
        guard = [w for w in results[1].warnings if "came out" in w]
        note = "; NaN guard re-decoded in fp32" if guard else ""
        return (f"{WIDTH}x{HEIGHT}, repeat diff {diff}, {clock.ms_per_step():.1f} ms/step, "
                f"load {load_s:.1f} s, first {results[0].seconds:.1f} s{note}")

    def img2img() -> str:
        results, clock = [], StepClock()
        for _ in range(2):
            clock = StepClock()
            results.append(ctx.style.restyle_diffusion(content_picture(), "a watercolor painting", strength=0.5,
                                                       num_inference_steps=2 * steps, guidance_scale=7.5, seed=SEED,
                                                       progress=clock, save=False))
        check_picture(results[1].image, (WIDTH, HEIGHT))
        diff = int(np.abs(pixels(results[0].image) - pixels(results[1].image)).max())
        expect(diff <= REPEAT_TOLERANCE, f"the same seed gave a different picture (max diff {diff})")
        return f"{WIDTH}x{HEIGHT}, strength 0.5, repeat diff {diff}, {clock.ms_per_step():.1f} ms/step"

    def inpaint() -> str:
        fn = find_inpaint(ctx)
        mask = Image.new("L", (WIDTH, HEIGHT), 0)
        mask.paste(255, (WIDTH // 4, HEIGHT // 4, 3 * WIDTH // 4, 3 * HEIGHT // 4))
        wanted = dict(prompt=PROMPT, content_image=content_picture(), image=content_picture(), mask_image=mask,
                      strength=0.75, num_inference_steps=2 * steps, guidance_scale=7.5, seed=SEED, save=False)
        params = inspect.signature(fn).parameters
        outs = [fn(**{k: v for k, v in wanted.items() if k in params}) for _ in range(2)]
        pics = [(getattr(o, "images", None) or [getattr(o, "image", None)])[0] for o in outs]
        check_picture(pics[1], (WIDTH, HEIGHT))
        diff = int(np.abs(pixels(pics[0]) - pixels(pics[1])).max())
        expect(diff <= REPEAT_TOLERANCE, f"the same seed gave a different picture (max diff {diff})")
        return f"{WIDTH}x{HEIGHT}, repeat diff {diff}"

    def noise() -> str:
        pipe = ctx.diffusion.pipeline()
        shape = (1, pipe.unet.config.in_channels, HEIGHT, WIDTH)

        def start(device):
            gen = [torch.Generator("cpu").manual_seed(SEED)]
            return pipe.prepare_latents(*shape, dtype, device, gen).float().cpu()

        on_device, on_cpu = start(pipe._execution_device), start(torch.device("cpu"))
        expect(torch.equal(on_device, on_cpu), "the starting noise differs between CPU and "
               f"{pipe._execution_device} (max diff {(on_device - on_cpu).abs().max().item():.3g})")
        return f"{tuple(on_cpu.shape)} latents equal on cpu and {pipe._execution_device}"

    def redecode() -> str:
        pipe = ctx.diffusion.pipeline()
        if pipe.vae.dtype == torch.float32:
            raise Skip("the VAE is float32 here; the re-decode is for half precision")
        f = pipe.vae_scale_factor
        latents = torch.randn((1, pipe.vae.config.latent_channels, HEIGHT // f, WIDTH // f),
                              generator=torch.Generator("cpu").manual_seed(SEED))
        array = ctx.diffusion._redecode(pipe, latents.to(pipe._execution_device, dtype), 0)
        expect(array is not None, "the float32 re-decode was not possible")
        expect(array.shape == (HEIGHT, WIDTH, 3) and bool(np.isfinite(array).all()),
               f"re-decode gave shape {array.shape} or non-finite pixels")
        return f"fp32 VAE copy decoded {WIDTH}x{HEIGHT}; pipeline VAE still {pipe.vae.dtype}"

    ck.run(f"t2i {tag}", setting, t2i)
    ck.run(f"img2img {tag}", setting, img2img)
    if find_inpaint(ctx) is not None:
        ck.run(f"inpaint {tag}", setting, inpaint)
    if tag.endswith("plain") or tag.endswith("cpu_offload"):
        ck.run(f"noise {tag}", setting + ", CPU generator", noise, needs_cuda="compares CPU and CUDA noise")
        ck.run(f"redecode {tag}", setting + ", NaN guard", redecode, needs_cuda="half precision")


def find_inpaint(ctx: StudioContext | None):
    """Studio's inpainting entry point once it exists (``inpaint`` on an engine), else None."""
    if ctx is None:
        import studio.image.diffusion as diffusion
        import studio.image.style as style

        return getattr(diffusion.DiffusionEngine, "inpaint", None) or getattr(style.StyleEngine, "inpaint", None)
    return getattr(ctx.diffusion, "inpaint", None) or getattr(ctx.style, "inpaint", None)


# ----- GAN and style transfer: CUDA against the CPU ----------------------------------------
def compare_rows(ck: Checker) -> None:
    other = "cuda" if ck.cuda else "cpu"
    versus = f"{other} vs cpu" + ("" if ck.cuda else " (no CUDA: checks the path only)")

    def compare(make) -> str:
        pictures = []
        for device in (other, "cpu"):
            ctx = make_context(ck, device=device)
            try:
                pictures.append([pixels(im) for im in make(ctx)])
            finally:
                release(ctx)
        diffs = [np.abs(a - b) for a, b in zip(*pictures, strict=False)]
        top, mean = max(int(d.max()) for d in diffs), float(np.mean([d.mean() for d in diffs]))
        expect(mean <= DEVICE_MEAN_TOLERANCE, f"{other} and cpu pictures differ by {mean:.2f} levels on average")
        h, w = pictures[0][0].shape[:2]
        return f"{len(diffs)} x {w}x{h}, max pixel diff {top}, mean {mean:.3f}"

    def gan(ctx):
        return ctx.gan.generate(num_images=4 if not ck.quick else 2, seed=SEED, size=64, save=False).images

    def style_preset(ctx):
        return [ctx.style.transfer(content_picture((128, 96)), preset="style-03", max_side=128, save=False).image]

    def style_strength(ctx):
        return [ctx.style.transfer(content_picture((128, 96)), style_image=content_picture((64, 64)).rotate(90),
                                   strength=0.5, preserve_colors=True, max_side=128, save=False).image]

    ck.run("gan faces", f"dcgan-faces fp32, {versus}", lambda: compare(gan))
    ck.run("style preset", f"magenta-arbitrary fp32, preset, {versus}", lambda: compare(style_preset))
    if ck.quick:
        ck.add("style own vector", "strength 0.5 (gradient steps)", "skipped", "--quick")
    else:
        ck.run("style own vector", f"strength 0.5 (gradient steps), {versus}", lambda: compare(style_strength))


# ----- main ---------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto",
                        help="cuda (the point of this script), cpu (rows that need CUDA are skipped; one thread, "
                             "a tiny random LM), or auto")
    parser.add_argument("--quick", action="store_true",
                        help="smallest settings: a tiny random LM instead of the embedded one, fewer steps and rows")
    parser.add_argument("--text-model", default="",
                        help="the model of the transformers text row (a Hub id or a folder); default: the embedded "
                             "SmolLM2 on CUDA (a tiny random model with --quick, on a CPU, or when it is missing)")
    parser.add_argument("--only", default="", help="comma-separated words; run only rows whose name holds one")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: --device cuda was asked for, but torch sees no CUDA GPU "
              f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}).", file=sys.stderr)
        return 2
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
                          else "cpu")
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    if device.type == "cpu":
        torch.set_num_threads(1)  # proves the path, not the speed; 2 threads on a shared CPU crawl
    print(f"gpu_check: {where}, torch {torch.__version__}, CUDA {torch.version.cuda}, quick={args.quick}", flush=True)
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()  # the table is the output; Studio reports progress itself
    transformers_logging.disable_progress_bar()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="studio-gpu-check-") as tmp:
        ck = Checker(device, args.quick, [w.strip() for w in args.only.split(",") if w.strip()], Path(tmp), args.text_model)
        text_rows(ck)
        sd_dir = None
        if any(ck.wanted(k) for k in ("t2i", "img2img", "inpaint", "noise", "redecode", "diffusion")):
            from studio.testing import make_tiny_sd

            sd_dir = make_tiny_sd(Path(tmp) / "tiny-sd")
            if not ck.cuda:
                ck.add("diffusion fp16/bf16", "half precision UNet, text encoder and VAE", "skipped", "needs CUDA")
            if find_inpaint(None) is None:
                ck.add("inpaint", "all settings", "skipped", "inpainting not present in Studio yet")
            diffusion_rows(ck, sd_dir, tuple(o for o in OPTIONS if o != "compile"))
        compare_rows(ck)
        if sd_dir is not None:  # last: the slowest rows (the first picture compiles), so a timeout loses least
            diffusion_rows(ck, sd_dir, ("compile",))
    print()
    print(ck.table())
    print(f"gpu_check: {time.perf_counter() - t0:.0f} s in all")
    return 1 if any(r.result == "FAIL" for r in ck.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
