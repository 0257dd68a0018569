"""Training a writer's voice: a LoRA adapter (PEFT) on the current text model, on the CPU if need be.

Method: LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language
Models") through Hugging Face PEFT (``LoraConfig``, ``get_peft_model``) on
every linear layer of the transformer blocks, trained with AdamW and a
cosine schedule on next-token prediction over the writer's texts.

The texts are tokenised, joined (each ending with the end-of-text token) and
cut into blocks of ``block_tokens``; every fifth block is held out (20% of the
text) and never trained on. A paragraph given twice counts once
(:func:`~studio.voice.sources.without_repeats`), and a held-out token inside a run of
16 tokens that also occurs in the training blocks is not scored (:func:`held_out_labels`). Perplexity on the held-out blocks is measured
before and after training, so the writer sees how much better the model
predicts text of theirs it has not seen.

Training takes the device one step at a time (``ModelManager.device_lock()``
per step), so a writing or image job waits at most one training step.
Checkpoints are written with temp-then-rename; Stop keeps the last step's
adapter. No Gradio here; the Voice tab and ``/voice_train`` are thin layers.
"""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..devices import oom_guard
from ..errors import Cancelled, InvalidInput, StudioError
from ..lazy import lazy_import, torch_decorator
from ..messages import Joined, Message
from ..models import ModelManager
from ..text.plaintext import plain_ids
from ..unitext import count_words
from ..validate import check_float, check_int
from .backend import fingerprint, llamacpp_voice_file, load_base
from .sources import without_repeats
from .store import VoiceStore, check_name

torch = lazy_import("torch")  # imported on first use, not at start-up

HOLDOUT_EVERY = 5  # every 5th block is held out: 20% of the text
OVERLAP_TOKENS = 16  # held-out tokens inside a run this long that the training text also holds are not scored
# below these, a voice's score is mostly chance: describe() says so
MAX_MEASURED_BLOCKS = 64  # held-out blocks measured before and after (64 × 128 tokens: a steady figure)
FEW_WORDS, FEW_STEPS, FEW_HELD_TOKENS = 1000, 20, 300
MIN_WORDS = 150
TOKENS_PER_WORD = 1.3
# LoRA on the attention projections, as the LoRA paper (Hu et al., 2021) adapted attention only. A voice
# then merges into a 4-bit GGUF with no loss (its attention in Q8_0, the feed-forward weights untouched) and
# writes on llama.cpp as fast as without it (gguf.merge). With every linear layer adapted, the merge
# lost a quarter of the gain (re-quantising the feed-forward weights), or the LoRA file cost 15% of the speed.
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclasses.dataclass
class VoiceSettings:
    """Training settings (the Voice tab's "Advanced"). 0 means "choose from the amount of text".

    Attributes:
        steps: optimiser steps, 1..5000.
        rank: LoRA rank r, 1..128 (alpha is 2 r; dropout 0.05).
        learning_rate: AdamW peak learning rate, 1e-6..1e-1 (cosine decay, 10% warm-up).
        block_tokens: tokens per training example, 16..2048.
        batch_size: examples per step, 1..16.
        seed: for the order of examples and LoRA's initial weights.
    """

    steps: int = 0
    rank: int = 0
    learning_rate: float = 0.0
    block_tokens: int = 0
    batch_size: int = 1
    seed: int = 0

    def validated(self) -> VoiceSettings:
        """A checked copy. Raises InvalidInput naming the field."""
        return VoiceSettings(
            steps=check_int("steps", self.steps, 0, 5000), rank=check_int("rank", self.rank, 0, 128),
            learning_rate=check_float("learning_rate", self.learning_rate, 0.0, 0.1),
            block_tokens=check_int("block_tokens", self.block_tokens, 0, 2048),
            batch_size=check_int("batch_size", self.batch_size, 1, 16), seed=check_int("seed", self.seed, 0, 2**31),
        )


def default_settings(words: int, given: VoiceSettings | None = None) -> VoiceSettings:
    """Settings for ``words`` words of text, keeping every non-zero value of ``given``.

    Blocks of 128 tokens; about three passes over the training text, 30..400
    steps; rank 8 up to 5,000 words, 16 up to 50,000, else 32; learning rate
    6e-4 (5e-4 above 5,000 words: on 5,000 words of Carroll with rank 16, the held-out perplexity fell 37%
    at 5e-4 and 32% at 2e-4, with the LoRA on the attention projections only).
    """
    g = given or VoiceSettings()
    block = g.block_tokens or 128
    train_blocks = max(1, int(words * TOKENS_PER_WORD * (1 - 1 / HOLDOUT_EVERY) / block))
    steps = g.steps or max(30, min(400, math.ceil(3 * train_blocks / g.batch_size)))
    rank = g.rank or (8 if words <= 5000 else 16 if words <= 50000 else 32)
    lr = g.learning_rate or (6e-4 if words <= 5000 else 5e-4)
    return VoiceSettings(steps=steps, rank=rank, learning_rate=lr, block_tokens=block, batch_size=g.batch_size,
                         seed=g.seed)


@dataclasses.dataclass
class TrainProgress:
    """One update while a voice trains.

    ``phase`` is ``loading``, ``measuring``, ``training``, ``saving`` or ``done``;
    ``loss`` is the last step's training loss (nats per token); ``seconds_left``
    is estimated from the mean step time so far.
    """

    phase: str
    step: int = 0
    steps: int = 0
    loss: float | None = None
    seconds_left: float | None = None
    message: str = ""


def split_blocks(tokenizer, texts: list[str], block: int) -> tuple[list[list[int]], list[list[int]]]:
    """Tokenise ``texts`` (each ending with EOS), join, cut into ``block``-token pieces.

    Returns ``(train, held_out)``: every 5th piece is held out. Short texts get
    shorter pieces (down to 16 tokens) so that at least 5 exist.

    Raises:
        InvalidInput: (field ``texts``) fewer than 80 tokens in all.
    """
    ids: list[int] = []
    eos = tokenizer.eos_token_id
    for t in texts:
        ids += plain_ids(tokenizer, t) + ([eos] if eos is not None else [])  # the writer's text: no control tokens
    if len(ids) < 80:
        raise InvalidInput("texts", "the texts are too short to learn a voice from; give at least {n} words.",
                           n=MIN_WORDS)
    block = max(16, min(block, len(ids) // HOLDOUT_EVERY))
    pieces = [ids[i:i + block] for i in range(0, len(ids) - block // 2, block)]
    held = [p for i, p in enumerate(pieces) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1]
    train = [p for i, p in enumerate(pieces) if i % HOLDOUT_EVERY != HOLDOUT_EVERY - 1]
    unseen = [b for b, lab in zip(held, held_out_labels(held, train), strict=False) if scored_tokens([lab])]
    if not unseen:
        raise InvalidInput("texts", "the texts repeat themselves so much that none of them is left to measure the "
                                    "voice on fairly. Give more of your writing, not the same text again.")
    return train, unseen


def _window_hashes(ids, n: int):
    """A 64-bit hash of every ``n``-token window of ``ids`` (numpy uint64)."""
    import numpy as np

    arr = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    if len(arr) < n:
        return np.zeros(0, np.uint64)
    out = np.zeros(len(arr) - n + 1, np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out = out * np.uint64(1_000_003) + arr[k:k + len(out)]
    return out


def held_out_labels(held: list[list[int]], train: list[list[int]], n: int | None = None) -> list[list[int]]:
    """The labels to measure each held-out block on: its tokens, with -100 (not scored) for every token inside a
    run of ``n`` (:data:`OVERLAP_TOKENS`) tokens that also occurs in the training blocks, so that text given twice
    (or quoted at length, or a refrain) is never measured on what the voice trained on."""
    import numpy as np

    n = n or OVERLAP_TOKENS
    joined = [t for b in train for t in (*b, -1)]  # -1 between blocks: no window spans two of them
    seen = np.unique(_window_hashes(joined, n))  # sorted: each block is looked up with a binary search
    out = []
    for b in held:
        mine = _window_hashes(b, n)
        at = np.minimum(np.searchsorted(seen, mine), max(0, len(seen) - 1))
        shared = (seen[at] == mine).astype(np.int64) if len(seen) else np.zeros(len(mine), np.int64)
        covered = np.convolve(shared, np.ones(n, np.int64))[:len(b)] > 0 if len(shared) else np.zeros(len(b), bool)
        out.append([-100 if c else t for t, c in zip(b, covered, strict=False)])
    return out


def scored_tokens(labels: list[list[int]]) -> int:
    """How many tokens :func:`perplexity` scores with these labels (the first of a block predicts nothing)."""
    return sum(sum(1 for t in lab[1:] if t != -100) for lab in labels)


@torch_decorator("no_grad")
def perplexity(model, blocks: list[list[int]], device, lock=None, stop: threading.Event | None = None,
               labels: list[list[int]] | None = None) -> float:
    """exp(mean next-token loss) of ``model`` over every token of ``blocks`` (lower is better; 1 is perfect).

    ``labels`` (one list per block, -100 where a token is not scored: :func:`held_out_labels`) limits it to the
    scored tokens. ``lock`` (a device lock) is taken per block when given; ``stop``, when set, ends the
    measuring at the next block (Cancelled).
    """
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    for k, b in enumerate(blocks):
        if stop is not None and stop.is_set():
            model.train(was_training)
            raise Cancelled("Stopped before the first training step; no voice was saved.")
        lab = labels[k] if labels is not None else b
        scored = scored_tokens([lab])
        if not scored:
            continue
        ids = torch.tensor([b], device=device)
        with lock or _nolock():
            loss = model(input_ids=ids, labels=torch.tensor([lab], device=device)).loss
        total += float(loss) * scored
        count += scored
    model.train(was_training)
    return math.exp(total / max(1, count))


def spread(blocks: list, most: int) -> list:
    """At most ``most`` of ``blocks``, evenly spread over them (all of them when there are fewer)."""
    if len(blocks) <= most:
        return blocks
    return [blocks[i * len(blocks) // most] for i in range(most)]


class _nolock:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def improvement(before: float, after: float) -> float:
    """How much better the model predicts held-out text, in percent: ``100 * (1 - after / before)``."""
    return 100.0 * (1.0 - after / before) if before > 0 else 0.0


def describe(record: dict) -> str:
    """The before/after figures in words a writer understands."""
    b, a = record.get("perplexity_before"), record.get("perplexity_after")
    if not b or not a:
        return ""
    pct = improvement(b, a)
    how = (Message("The model now predicts your held-out text {num_p}% better (it was never trained on that 20%).",
                   num_p=f"{pct:.0f}") if pct >= 0 else
           Message("The model now predicts your held-out text {num_p}% worse (it was never trained on that 20%).",
                   num_p=f"{-pct:.0f}"))
    figures = Message("Perplexity, how surprised the model is by each next word: {b} before, {a} after; lower is "
                      "better.", b=f"{b:.1f}", a=f"{a:.1f}")
    return Joined("", [Joined(" ", [how, figures]), too_little(record)])


def too_little(record: dict) -> str:
    """A warning (starting with a space) when the voice learnt from too little for its score to mean much:
    under :data:`FEW_WORDS` words, :data:`FEW_STEPS` training steps or :data:`FEW_HELD_TOKENS` held-out tokens;
    else ``""``."""
    words, steps, held = record.get("words"), record.get("steps_done"), record.get("held_out_tokens")
    if words is not None and words < FEW_WORDS:
        why = Message("it learnt from only {n} words", n=words)
    elif steps is not None and steps < FEW_STEPS:
        why = Message("it trained for only {n} steps", n=steps)
    elif held is not None and held < FEW_HELD_TOKENS:
        why = Message("only {n} tokens of your text were left to measure it on", n=held)
    else:
        return ""
    return Joined(" ", ["", Message("Trained too little to mean much yet: {w}, so these figures are mostly chance.", w=why),
                        Message("Give it a few thousand words of your writing and let it train to the end.")])


class VoiceTrainer:
    """Trains voices for the studio's users and stores them in a :class:`VoiceStore`.

    Args:
        manager: the shared ModelManager (device, dtype, device lock, model resolution).
        store: where voices are kept.
    """

    def __init__(self, manager: ModelManager, store: VoiceStore):
        self.manager = manager
        self.store = store

    def train(self, owner: str, name: str, texts: list[str], sources: list[dict], model: str,
              settings: VoiceSettings | None = None, stop: threading.Event | None = None,
              progress: Callable[[TrainProgress], None] | None = None) -> dict:
        """Train a new voice called ``name`` for ``owner`` on ``texts`` with the text model ``model``.

        Returns the voice's record: ``{"id", "name", "base_model": {"ref", "location", "fingerprint"},
        "settings" (the numbers used), "sources", "words", "steps_done", "stopped", "perplexity_before",
        "perplexity_after", "improvement_percent", "adapter", "created", "seconds"}``.

        Raises:
            InvalidInput: a bad name (or one in use), too little text, out-of-range settings.
            Cancelled: Stop came before the first training step (nothing is saved).
            ModelUnavailable: the model cannot be loaded. StudioError: training failed (nothing is saved).
        """
        from peft import LoraConfig, get_peft_model
        from transformers import get_cosine_schedule_with_warmup

        name = check_name(name)
        if self.store.exists_name(owner, name):
            raise InvalidInput("name", "you already have a voice called '{user_v}'. Pick another name.", user_v=name)
        texts, repeats = without_repeats(texts)  # a text given twice counts once (and is not measured on)
        texts = [t for t in texts if t.strip()]
        words = sum(count_words(t) for t in texts)
        if words < MIN_WORDS:
            raise InvalidInput("texts", "the texts hold {a} words; a voice needs at least {b}.", a=words, b=MIN_WORDS)
        cfg = default_settings(words, (settings or VoiceSettings()).validated())
        stop = stop or threading.Event()
        report = progress or (lambda p: None)
        t_start = time.perf_counter()
        report(TrainProgress("loading", 0, cfg.steps, message="Loading the language model…"))
        resolved = self.manager.resolve(model, "text")
        base, tok = load_base(resolved, self.manager)
        device, lock = self.manager.device, self.manager.device_lock(work="training")
        train, held = split_blocks(tok, texts, cfg.block_tokens)
        held = spread(held, MAX_MEASURED_BLOCKS)  # measuring takes seconds, not minutes, however long the texts
        labels = held_out_labels(held, train)  # never scored on a run of tokens it trained on
        cfg = dataclasses.replace(cfg, block_tokens=max(len(b) for b in train))
        report(TrainProgress("measuring", 0, cfg.steps, message="Measuring how well the model knows your text…"))
        before = perplexity(base, held, device, lock, stop, labels)

        torch.manual_seed(cfg.seed)
        lora = LoraConfig(r=cfg.rank, lora_alpha=2 * cfg.rank, lora_dropout=0.05,
                          target_modules=list(TARGET_MODULES), task_type="CAUSAL_LM")
        peft_model = get_peft_model(base, lora)
        params = [p for p in peft_model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=0.0)
        sched = get_cosine_schedule_with_warmup(opt, max(1, cfg.steps // 10), cfg.steps)
        voice_id, work = self.store.new_workdir(owner)
        oom = "The device ran out of memory while training. Lower the rank, or use --device cpu."
        try:
            with oom_guard(device, oom):
                step, loss_value, saved = self._train_loop(peft_model, params, opt, sched, train, tok, cfg, stop,
                                                           report, work)
            if step == 0:
                raise Cancelled("Stopped before the first training step; no voice was saved.")
            finite = loss_value is not None and math.isfinite(loss_value)
            if finite or saved is None:
                report(TrainProgress("saving", step, cfg.steps, loss_value, 0, "Saving the voice…"))
                saved = self._checkpoint(peft_model, work, step, saved)
            else:  # the last steps went wrong: back to the last checkpoint
                from peft import set_peft_model_state_dict
                from safetensors.torch import load_file

                set_peft_model_state_dict(peft_model, load_file(str(work / saved / "adapter_model.safetensors")))
            report(TrainProgress("measuring", step, cfg.steps, loss_value, None,
                                 "Measuring the voice on your held-out text…"))
            after = perplexity(peft_model, held, device, lock, labels=labels)
            report(TrainProgress("saving", step, cfg.steps, loss_value, 0, "Preparing the voice for writing…"))
            llamacpp_voice_file(self.manager, resolved, work / saved)
            record = {
                "id": voice_id, "name": name, "created": time.time(), "adapter": saved,
                "base_model": {"ref": resolved.ref, "location": resolved.location,
                               "fingerprint": fingerprint(base.config)},
                "settings": dataclasses.asdict(cfg), "sources": sources, "words": words,
                "train_tokens": sum(map(len, train)), "held_out_tokens": scored_tokens(labels),
                "steps_done": step, "stopped": step < cfg.steps, "last_loss": loss_value, "repeats_dropped": repeats,
                "perplexity_before": before, "perplexity_after": after,
                "improvement_percent": improvement(before, after), "seconds": time.perf_counter() - t_start,
            }
            record["score_note"] = too_little(record).strip()  # "" when the score means something
            record = self.store.publish(owner, work, record)
        except BaseException as exc:
            self.store.discard(work)
            if isinstance(exc, (StudioError, KeyboardInterrupt, torch.OutOfMemoryError)):
                raise
            raise StudioError("Training the voice failed: {e}", e=f"{type(exc).__name__}: {str(exc)[:300]}") from exc
        finally:
            del peft_model, base, opt
        report(TrainProgress("done", step, cfg.steps, loss_value, 0, describe(record)))
        return record

    def _train_loop(self, peft_model, params, opt, sched, train, tok, cfg, stop, report, work):
        """The training steps until ``cfg.steps`` or Stop (or a non-finite loss); checkpoints every tenth
        of the way. Returns ``(steps done, last loss or None, last checkpoint folder name or None)``."""
        device, lock = self.manager.device, self.manager.device_lock(work="training")
        rng = random.Random(cfg.seed)
        order: list[int] = []
        saved: str | None = None
        step, loss_value, step_time = 0, None, 0.0
        save_every = max(10, cfg.steps // 10)
        peft_model.train()
        while step < cfg.steps and not stop.is_set():
            batch = []
            for _ in range(cfg.batch_size):
                if not order:
                    order = list(range(len(train)))
                    rng.shuffle(order)
                batch.append(train[order.pop()])
            width = max(map(len, batch))
            ids = torch.tensor([b + [tok.pad_token_id] * (width - len(b)) for b in batch], device=device)
            labels = torch.tensor([b + [-100] * (width - len(b)) for b in batch], device=device)
            mask = (labels != -100).long()
            t0 = time.perf_counter()
            with lock:
                loss = peft_model(input_ids=ids, attention_mask=mask, labels=labels).loss
                if not torch.isfinite(loss):
                    break  # keep the last good checkpoint
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
            step += 1
            step_time += time.perf_counter() - t0
            loss_value = float(loss.detach())
            if step % save_every == 0 and step < cfg.steps:
                saved = self._checkpoint(peft_model, work, step, saved)
            report(TrainProgress("training", step, cfg.steps, loss_value,
                                 step_time / step * (cfg.steps - step) + 2, Message("Step {i} of {n}", i=step, n=cfg.steps)))
            time.sleep(0.001)  # let a job waiting for the device take it between steps
        return step, loss_value, saved

    @staticmethod
    def _checkpoint(peft_model, work: Path, step: int, previous: str | None) -> str:
        """Save the adapter as ``work/ckpt-<step>`` (temp folder, then rename), drop the previous one."""
        name = f"ckpt-{step:06d}"
        tmp = work / f".tmp-{name}"
        shutil.rmtree(tmp, ignore_errors=True)
        peft_model.save_pretrained(str(tmp))
        tmp.rename(work / name)
        if previous and previous != name:
            shutil.rmtree(work / previous, ignore_errors=True)
        return name
