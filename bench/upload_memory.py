"""Peak memory of the server under concurrent image uploads (issue 9, point 6).

Starts a real server (`getnative serve --demo`, SQLite in a temporary folder), registers one
member per upload, sends N profile images at once (default 8, each a ~155 KB 8000x5000 PNG:
tiny on the wire, 120 MB once decoded), and prints the answers' status codes and the server
process's peak resident memory (`VmHWM` of /proc/<pid>/status, Linux only).

    python3 -m uv run python -m bench.upload_memory
    python3 -m uv run python -m bench.upload_memory --env GETNATIVE_MAX_IMAGE_PIXELS=40000000 \
        --env GETNATIVE_MAX_CONCURRENT_DECODES=0     # the limits before issue 9
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image


def big_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post(url: str, body: dict[str, str], token: str | None = None) -> tuple[int, dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/categories", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def run(uploads: int, width: int, height: int, extra_env: list[str]) -> dict[str, object]:
    image = base64.b64encode(big_png(width, height)).decode()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, GETNATIVE_DATABASE_URL=f"sqlite:///{folder}/bench.db")
        env["GETNATIVE_MEDIA_DIR"] = f"{folder}/media"
        env.update(item.split("=", 1) for item in extra_env)
        command = [sys.executable, "-c", "from getnative.cli import main; main()"]
        server = subprocess.Popen(
            [*command, "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its workers can be killed with it (`os.killpg`)
        )
        try:
            wait_until_up(base, time.monotonic() + 60)
            tokens = []
            for n in range(uploads):
                credentials = {"email": f"bench{n}@example.com", "password": "bench-password"}
                status, headers = post(f"{base}/register", credentials)
                assert status == 200, status
                tokens.append(headers["x-gn-auth-token"])
            idle_mb = peak_rss_mb(server.pid)
            with ThreadPoolExecutor(uploads) as pool:
                results = list(
                    pool.map(
                        lambda token: post(
                            f"{base}/account/profile_image", {"image": image}, token
                        ),
                        tokens,
                    )
                )
            statuses = sorted(status for status, _ in results)
            return {
                "uploads": uploads,
                "image": f"{width}x{height} PNG, {len(image) * 3 // 4 // 1024} KB",
                "env": extra_env,
                "statuses": statuses,
                "peak_rss_mb_before_uploads": round(idle_mb),
                "peak_rss_mb": round(peak_rss_mb(server.pid)),
            }
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # the server and its workers
                server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--width", type=int, default=8000)
    parser.add_argument("--height", type=int, default=5000)
    parser.add_argument("--env", action="append", default=[], help="NAME=value for the server")
    args = parser.parse_args()
    print(json.dumps(run(args.uploads, args.width, args.height, args.env), indent=2))


if __name__ == "__main__":
    main()
