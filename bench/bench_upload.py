"""How long the editor waits for a figure upload in the admin, and how long until its
renditions are ready: a real 24-megapixel JPEG made with Pillow, posted to the figure
form as a logged-in superuser. Wall-clock times depend on what else the machine runs; the
CPU time of the request's own thread does not.

    .venv/bin/python bench/bench_upload.py [--runs 5] [--size 6000x4000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_upload.py

Never touches your data: a temporary SQLite file, or with a PostgreSQL DATABASE_URL a
database called `newsroom_bench_upload` on that server, made afresh and dropped again.
"""

import argparse
import statistics
import time

from bench_import import django_on_a_throwaway_database

ADD_FIGURE = "/admin/articles/figure/add/"
READY_TIMEOUT = 120


def upload(client, data, n):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.models import Figure

    form = {
        "image": SimpleUploadedFile(f"camera-{n}.jpg", data, content_type="image/jpeg"),
        "alt_text": f"Photograph number {n}",
        "caption": "",
        "credit": "",
        "original_url": "",
        "original_path": "",
    }
    started, cpu_started = time.perf_counter(), time.thread_time()
    response = client.post(ADD_FIGURE, form)
    answered, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
    if response.status_code != 302:
        raise SystemExit(f"the upload answered {response.status_code}, not a redirect")
    figure = Figure.objects.latest("pk")
    while not figure.renditions.exists():
        if time.perf_counter() - started > READY_TIMEOUT:
            raise SystemExit(f"no renditions after {READY_TIMEOUT} s")
        time.sleep(0.02)
    return answered, cpu, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="6000x4000", help="WIDTHxHEIGHT of the photograph")
    args = parser.parse_args()
    size = tuple(int(part) for part in args.size.split("x"))

    with django_on_a_throwaway_database("newsroom_bench_upload"):
        # bench_renditions sets Django up at import: only once the database is chosen.
        from bench_renditions import photo_like
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        print(f"database: {connection.vendor}")
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        upload(client, photo_like((800, 600), noisy=False), 0)  # warm-up: imports, plugins
        for label, noisy in (("smooth", False), ("noisy, camera-sized", True)):
            data = photo_like(size, noisy=noisy)
            print(f"{label} photograph: {size[0]}x{size[1]} JPEG, {len(data) / 1e6:.1f} MB")
            timings = [upload(client, data, n) for n in range(args.runs)]
            answers, cpus, readies = zip(*timings, strict=True)
            print(
                f"  response to the editor  median {statistics.median(answers) * 1000:5.0f} ms,"
                f" slowest {max(answers) * 1000:5.0f} ms (of {args.runs})"
            )
            print(
                f"  CPU time of the request median {statistics.median(cpus) * 1000:5.0f} ms"
                " (the request's own thread: what load from other processes does not change)"
            )
            print(
                f"  renditions ready after  median {statistics.median(readies) * 1000:5.0f} ms,"
                f" slowest {max(readies) * 1000:5.0f} ms"
            )


if __name__ == "__main__":
    main()
