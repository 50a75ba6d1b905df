"""A small HTTP load generator: processes x threads, keep-alive connections, bounded in time.

    python bench/load.py --port 8123 --duration 5 --rounds 2 --spec '<json list of endpoints>'

Each endpoint is {"name", "path", "headers", "status"} and optionally "port" (another server).
Rounds interleave the endpoints (A B C D A B C D ...) so that drift in the machine's load affects
them alike. Prints requests/s, p50 and p99 latency per endpoint, and the ratio of "detail" to
"ceiling" when both are present.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import threading
import time


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
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()
    spec = json.loads(args.spec)

    totals = {e["name"]: {"latencies": [], "errors": 0, "seconds": 0.0, "per_round": []} for e in spec}
    with multiprocessing.Pool(args.processes) as pool:
        for _ in range(args.rounds):
            for endpoint in spec:
                before = len(totals[endpoint["name"]]["latencies"])
                start_at = time.time() + 0.2
                jobs = [
                    (endpoint.get("port", args.port), endpoint["path"], endpoint.get("headers", {}),
                     endpoint.get("status", 200), args.threads, start_at, args.duration)
                    for _ in range(args.processes)
                ]
                for latencies, errors in pool.map(_worker_process, jobs):
                    totals[endpoint["name"]]["latencies"].extend(latencies)
                    totals[endpoint["name"]]["errors"] += errors
                totals[endpoint["name"]]["seconds"] += args.duration
                done = len(totals[endpoint["name"]]["latencies"]) - before
                totals[endpoint["name"]]["per_round"].append(done / args.duration)

    results = {}
    print(f"{'endpoint':<16} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, data in totals.items():
        values = sorted(data["latencies"])
        rps = len(values) / data["seconds"]
        results[name] = {
            "requests": len(values), "rps": round(rps, 1),
            "p50_ms": round(percentile(values, 0.50) * 1000, 2), "p99_ms": round(percentile(values, 0.99) * 1000, 2),
            "errors": data["errors"],
        }
        r = results[name]
        print(
            f"{name:<16} {r['requests']:>9} {r['rps']:>9.1f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7}"
        )
    if "detail" in results and "ceiling" in results and results["ceiling"]["rps"]:
        ratio = results["detail"]["rps"] / results["ceiling"]["rps"]
        results["detail_to_ceiling"] = round(ratio, 3)
        rounds = [
            d / c for d, c in zip(totals["detail"]["per_round"], totals["ceiling"]["per_round"], strict=True) if c
        ]
        results["detail_to_ceiling_per_round"] = [round(r, 3) for r in rounds]
        print(f"detail / ceiling = {ratio:.2f} (goal >= 0.80); per round: {', '.join(f'{r:.2f}' for r in rounds)}")
    if "detail-uncached" in results and results["ceiling"]["rps"]:
        ratio = results["detail-uncached"]["rps"] / results["ceiling"]["rps"]
        results["detail_uncached_to_ceiling"] = round(ratio, 3)
        print(f"detail-uncached / ceiling = {ratio:.2f} (API_DETAIL_CACHE_SECONDS=0: the database on every request)")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
