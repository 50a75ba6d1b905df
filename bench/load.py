"""A small HTTP load generator: processes x threads, keep-alive connections, bounded in time.

    python bench/load.py --duration 2 --rounds 5 --spec-file bench/out/spec.json --json-out out.json

Each endpoint is {"name", "path", "headers", "status"} and optionally "port" (another server) and
"size" (the catalogue size it is measured at: reported as name@size). Rounds interleave the
endpoints (A B C A B C ...), each endpoint at every size back to back, so that drift in the
machine's load affects them alike. Prints requests/s, p50 and p99 latency per endpoint, and writes
them with the requests/s of each round to --json-out (``bench.summary`` makes the tables).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import threading
import time
from pathlib import Path


def _worker_thread(port: int, path: str, headers: dict, status: int, deadline: float, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies = []
    bad = 0
    while True:
        start = time.perf_counter()
        if start >= deadline:
            break
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != status:
                bad += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            bad += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - start)
    conn.close()
    out.extend(latencies)
    errors.append(bad)


def _worker_process(args: tuple) -> tuple[list[float], int]:
    port, path, headers, status, threads, start_at, duration = args
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = time.perf_counter() + duration
    out: list[float] = []
    errors: list[int] = []
    pool = [
        threading.Thread(target=_worker_thread, args=(port, path, headers, status, deadline, out, errors))
        for _ in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return out, sum(errors)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="for endpoints that name no port")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--spec", default="", help="the endpoints as a JSON list")
    parser.add_argument("--spec-file", default="", help="... or a file holding it")
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()
    spec = json.loads(Path(args.spec_file).read_text() if args.spec_file else args.spec)
    for endpoint in spec:  # "detail@2000": one endpoint at one catalogue size
        endpoint["key"] = f"{endpoint['name']}@{endpoint['size']}" if "size" in endpoint else endpoint["name"]
    # Each round: every endpoint, and each endpoint at every size back to back.
    names = list(dict.fromkeys(endpoint["name"] for endpoint in spec))
    order = sorted(spec, key=lambda endpoint: names.index(endpoint["name"]))

    totals = {e["key"]: {"latencies": [], "errors": 0, "seconds": 0.0, "per_round": []} for e in spec}
    with multiprocessing.Pool(args.processes) as pool:
        for _ in range(args.rounds):
            for endpoint in order:
                total = totals[endpoint["key"]]
                before = len(total["latencies"])
                start_at = time.time() + 0.2
                jobs = [
                    (
                        endpoint.get("port", args.port),
                        endpoint["path"],
                        endpoint.get("headers", {}),
                        endpoint.get("status", 200),
                        args.threads,
                        start_at,
                        args.duration,
                    )
                    for _ in range(args.processes)
                ]
                for latencies, errors in pool.map(_worker_process, jobs):
                    total["latencies"].extend(latencies)
                    total["errors"] += errors
                total["seconds"] += args.duration
                total["per_round"].append(round((len(total["latencies"]) - before) / args.duration, 1))

    results = {}
    print(f"{'endpoint':<26} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for key, data in totals.items():
        values = sorted(data["latencies"])
        results[key] = {
            "requests": len(values),
            "rps": round(len(values) / data["seconds"], 1),
            "p50_ms": round(percentile(values, 0.50) * 1000, 2),
            "p99_ms": round(percentile(values, 0.99) * 1000, 2),
            "errors": data["errors"],
            "per_round": data["per_round"],
        }
        r = results[key]
        print(f"{key:<26} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7}")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
