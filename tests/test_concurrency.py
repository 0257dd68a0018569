"""Many users at once: 8 gradio_client sessions mixing /write, /generate_image and
/style_transfer get exactly their own results (compared with the same request made
alone, seed for seed), without errors; Stop ends only the stopping user's job."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> str:
    rng = np.random.default_rng(0)
    base = np.linspace(0, 255, 96 * 128 * 3).reshape(96, 128, 3)
    img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("photo") / "photo.png"
    Image.fromarray(img).save(path)
    return str(path)


def job(i: int, photo: str) -> tuple[str, dict]:
    kind = ("write", "image", "style")[i % 3]
    if kind == "write":
        return kind, dict(prompt=f"topic number {i}: bees and gardens", task="headlines", max_new_tokens=24,
                          seed=100 + i, api_name="/write")
    if kind == "image":
        return kind, dict(model="dcgan-faces", width=64, height=64, num_images=2, seed=200 + i,
                          api_name="/generate_image")
    from gradio_client import handle_file

    presets = ["style-00", "style-05", "style-10", "style-20"]
    return kind, dict(content_image=handle_file(photo), preset=presets[i % len(presets)], strength=0.5 + i / 40,
                      max_side=128, api_name="/style_transfer")


def outcome(kind: str, result):
    if kind == "write":
        return result
    if kind == "image":
        return [pixels(item["image"]) for item in result]
    return pixels(result if isinstance(result, str) else result["path"])


def same(kind: str, a, b) -> bool:
    if kind == "write":
        return a == b
    if kind == "image":
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    return a.shape == b.shape and np.abs(a - b).max() <= 1


def test_eight_sessions_at_once_get_their_own_results(studio_server, photo):
    from gradio_client import Client

    url, _ctx = studio_server
    alone = []
    solo = Client(url, verbose=False)
    for i in range(8):
        kind, kw = job(i, photo)
        alone.append((kind, outcome(kind, solo.predict(**kw))))

    clients = [Client(url, verbose=False) for _ in range(8)]

    def run(i):
        kind, kw = job(i, photo)
        return kind, outcome(kind, clients[i].predict(**kw))

    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(run, range(8)))
    for i, ((kind, a), (_k, b)) in enumerate(zip(alone, together)):
        assert same(kind, a, b), f"session {i} ({kind}) got a different result when others ran at once"
    writes = [a for kind, a in alone if kind == "write"]
    assert len(set(writes)) == len(writes)  # distinct requests, distinct answers: no cross-talk


def test_stop_ends_only_that_users_job_within_a_second(studio_server):
    """Two sessions write; one is stopped through the job registry, as its Stop button does.
    Its worker thread ends within 1 s, and the other session's job is not touched."""
    from gradio_client import Client

    url, ctx = studio_server
    a, b = Client(url, verbose=False), Client(url, verbose=False)
    long_job = a.submit(prompt="A long story about bees begins here.", task="continue", length_words=600,
                        max_new_tokens=2000, seed=1, api_name="/write")
    other = b.submit(prompt="bees", task="headlines", max_new_tokens=16, seed=2, api_name="/write")
    deadline = time.time() + 180
    workers = []
    while time.time() < deadline and not workers:
        workers = [t for t in threading.enumerate() if t.name == "studio-generate" and t.is_alive()]
        time.sleep(0.05)
    assert len(workers) == 1, "the first job should be generating, the second waiting in the queue"
    time.sleep(1.0)
    running = {sid for sid in list(ctx.jobs._events) if ctx.jobs.running(sid, "write")}
    assert len(running) == 1
    t0 = time.perf_counter()
    assert ctx.jobs.stop(running.pop(), "write") == 1
    workers[0].join(timeout=1.0)
    assert not workers[0].is_alive(), "the stopped worker thread must end within 1 s"
    assert time.perf_counter() - t0 < 1.0
    assert isinstance(long_job.result(timeout=60), str)
    assert other.result(timeout=300).strip()  # the other user's job ran to its end
