"""nginx with the shipped configuration (deploy/nginx/newsroom.conf) in front of a site
running on this machine, for the tests and benchmarks: its "yours" lines are pointed at
the site, a free port and a folder of its own."""

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "newsroom.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configuration(folder: Path, *, site: str, port: int, media_root: Path) -> Path:
    """Write nginx.conf into `folder`: the shipped file, its lines marked "yours" set to
    `site` (host:port of gunicorn or a live server), `port` and folders under `folder`,
    inside the few lines a whole nginx.conf needs. Returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SHIPPED.read_text()
    for shipped, ours in {
        "/var/cache/nginx/newsroom ": f"{folder / 'cache'} ",
        "server 127.0.0.1:8000;": f"server {site};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "alias /srv/newsroom/media/;": f"alias {media_root}/;",
    }.items():
        if shipped not in text:
            raise ValueError(f"{SHIPPED} no longer has {shipped!r}: update tests/nginx.py")
        text = text.replace(shipped, ours)
    (folder / "newsroom.conf").write_text(text)
    # As root, nginx's workers would run as nobody, who may not write in a test's folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log off;\n{temp_paths}\n    include {folder / 'newsroom.conf'};\n}}\n"
    )
    return main


def check(main: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the configuration."""
    return subprocess.run(  # noqa: S603
        [NGINX, "-t", "-p", str(main.parent), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
    )


@contextlib.contextmanager
def running(folder: Path, *, site: str, media_root: Path):
    """nginx in front of `site` until the block ends; yields its base URL."""
    port = free_port()
    main = configuration(folder, site=site, port=port, media_root=media_root)
    server = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(folder), "-c", str(main), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {server.stderr.read().decode()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
