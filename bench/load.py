"""Load benchmark: N concurrent gradio_client users against the embedded models on loopback.

Starts the studio in-process on a free loopback port, then for N = 1, 4, 8 runs N
clients at once, each making a fixed number of mixed requests (/write headlines,
/generate_image 4 faces, /style_transfer preset at 256 px), and prints throughput,
p50 and p95 latency, and errors. Bounded in count and time; it stops by itself.

    .venv/bin/python bench/load.py [--requests 3] [--users 1,4,8]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3, help="requests per user per round")
    ap.add_argument("--users", default="1,4,8")
    args = ap.parse_args()

    import numpy as np
    from gradio_client import Client, handle_file
    from PIL import Image

    import app as studio_app

    tmp = Path(tempfile.mkdtemp(prefix="studio-load-"))
    photo = tmp / "photo.png"
    Image.fromarray((np.random.default_rng(0).random((256, 256, 3)) * 255).astype("uint8")).save(photo)
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp / "d"),
                                       "--output-dir", str(tmp / "o"), "--device", "cpu", "--offline"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{ctx.settings.port}/"

    def request(client: Client, k: int):
        kind = ("write", "image", "style")[k % 3]
        if kind == "write":
            client.predict(prompt=f"bees {k}", task="headlines", max_new_tokens=32, seed=k, api_name="/write")
        elif kind == "image":
            client.predict(model="dcgan-faces", width=64, height=64, num_images=4, seed=k, api_name="/generate_image")
        else:
            client.predict(content_image=handle_file(str(photo)), preset="style-03", max_side=256,
                           api_name="/style_transfer")
        return kind

    warm = Client(url, verbose=False)
    for k in range(3):
        request(warm, k)  # load every model once
    print(f"{'users':>5} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 s':>7} {'p95 s':>7}")
    try:
        for n in [int(u) for u in args.users.split(",")]:
            clients = [Client(url, verbose=False) for _ in range(n)]
            latencies, errors = [], 0

            def user(i: int, clients=clients, latencies=latencies):
                nonlocal errors
                for r in range(args.requests):
                    t0 = time.perf_counter()
                    try:
                        request(clients[i], i + r)
                        latencies.append(time.perf_counter() - t0)
                    except Exception:  # noqa: BLE001 - counted
                        errors += 1

            t0 = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                list(pool.map(user, range(n)))
            wall = time.perf_counter() - t0
            lat = sorted(latencies)
            p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else float("nan")
            print(f"{n:>5} {n * args.requests:>8} {errors:>6} {len(lat) / wall:>7.2f} "
                  f"{statistics.median(lat) if lat else float('nan'):>7.2f} {p95:>7.2f}")
    finally:
        demo.close()


if __name__ == "__main__":
    main()
