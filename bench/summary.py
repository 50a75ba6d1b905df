"""The read-API run at several catalogue sizes side by side: python -m bench.summary 200 2000 20000

Reads bench/out/read_api-<n>.json (written by bench/load.py) and prints, per endpoint, requests/s
at each size and the ratio to the smallest size, then each endpoint's ratio to the ceiling.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    sizes = sys.argv[1:]
    runs = {n: json.loads(Path(f"bench/out/read_api-{n}.json").read_text()) for n in sizes}
    endpoints = [name for name, value in runs[sizes[0]].items() if isinstance(value, dict)]
    print(
        "| endpoint | "
        + " | ".join(f"{n} req/s" for n in sizes)
        + " | "
        + " | ".join(f"{n} / {sizes[0]}" for n in sizes[1:])
        + " |"
    )
    print("|---|" + "---:|" * (2 * len(sizes) - 1))
    for name in endpoints:
        rps = [runs[n][name]["rps"] for n in sizes]
        ratios = [f"{r / rps[0]:.2f}" if rps[0] else "-" for r in rps[1:]]
        print(f"| {name} | " + " | ".join(f"{r:.1f}" for r in rps) + " | " + " | ".join(ratios) + " |")
    print()
    print("| endpoint / ceiling | " + " | ".join(sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for name in endpoints:
        if name == "ceiling":
            continue
        values = [runs[n][name]["rps"] / runs[n]["ceiling"]["rps"] for n in sizes]
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + " |")


if __name__ == "__main__":
    main()
