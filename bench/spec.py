"""The endpoints ``bench/load.py`` measures, gathered size by size by ``bench/run.sh``.

    python -m bench.spec --reset                                  start an empty bench/out/spec.json
    python -m bench.spec --size N --info JSON --ports P P0 P1 P2 P3  add the endpoints of one catalogue size
    python -m bench.spec --get FIELD --info JSON                  one field of bench.prepare's output
    python -m bench.spec --wait                                   wait until every server answers, warm them

P serves the app as configured, P0 with the detail micro-cache off, P1 that without prepared
statements, P2 that without the connection health check. ``--info`` is the JSON line
``bench.prepare`` prints (slug, key, etag, last_cursor).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SPEC = Path("bench/out/spec.json")
WARM_UP_REQUESTS = 40


def endpoints(size: int, info: dict, port: int, port0: int, port1: int, port2: int, port3: int) -> list[dict]:
    auth = {"Authorization": f"Api-Key {info['key']}"}
    detail = f"/api/v1/articles/{info['slug']}/"
    page = "/api/v1/articles/?page_size=20"
    rows = [
        ("plain", port, "/bench/plain/", auth, 200),
        ("ceiling", port, "/bench/ceiling/", auth, 200),
        ("detail", port, detail, auth, 200),
        ("detail-uncached", port0, detail, auth, 200),
        ("uncached-via-replica", port3, detail, auth, 200),
        ("uncached-unprepared", port1, detail, auth, 200),
        ("uncached-no-health", port2, detail, auth, 200),
        ("list", port, page, auth, 200),
        ("list-last", port, f"{page}&cursor={info['last_cursor']}", auth, 200),
        ("list-unprepared", port1, page, auth, 200),
        ("list-full", port, f"{page}&expand=full", auth, 200),
        ("304", port, detail, {**auth, "If-None-Match": info["etag"]}, 304),
    ]
    return [
        {"name": name, "size": size, "port": p, "path": path, "headers": headers, "status": status}
        for name, p, path, headers, status in rows
    ]


def wait_for_servers(spec: list[dict]) -> None:
    for port in sorted({endpoint["port"] for endpoint in spec}):
        url = f"http://127.0.0.1:{port}/bench/ceiling/"
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not come up on port {port}")
    # Warm every endpoint on every worker (connections opened, statements prepared, payloads held)
    # before anything is measured: new connections spread over the workers and their threads.
    for endpoint in spec:
        url = f"http://127.0.0.1:{endpoint['port']}{endpoint['path']}"
        request = urllib.request.Request(url, headers=endpoint["headers"])
        for _ in range(WARM_UP_REQUESTS):
            try:
                urllib.request.urlopen(request, timeout=5).read()
            except urllib.error.HTTPError as exc:
                if exc.code != endpoint["status"]:
                    sys.exit(f"{endpoint['name']}@{endpoint['size']} answered {exc.code}, not {endpoint['status']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--size", type=int)
    parser.add_argument("--info")
    parser.add_argument("--ports", type=int, nargs=5)
    parser.add_argument("--get")
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    if args.reset:
        SPEC.write_text("[]")
    elif args.get:
        print(json.loads(args.info)[args.get])
    elif args.wait:
        wait_for_servers(json.loads(SPEC.read_text()))
    else:
        spec = json.loads(SPEC.read_text()) + endpoints(args.size, json.loads(args.info), *args.ports)
        SPEC.write_text(json.dumps(spec, indent=1))


if __name__ == "__main__":
    main()
