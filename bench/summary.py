"""The read-API run at several catalogue sizes side by side: python -m bench.summary bench/out/read_api.json

Reads what ``bench/load.py`` wrote (keys ``endpoint@size``) and prints, as Markdown tables for
bench/RESULTS.md: requests/s per endpoint at each size with the spread across sizes (largest over
smallest, minus one: the issue's "within 10 %"), then each endpoint's ratio to each ceiling (plain
Django, then the project's full middleware) at each size, overall and as the median of the rounds
(each round's endpoints ran seconds apart).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def main() -> None:
    runs = json.loads(Path(sys.argv[1]).read_text())
    table: dict[str, dict[int, dict]] = {}
    for key, value in runs.items():
        name, _, size = key.partition("@")
        table.setdefault(name, {})[int(size)] = value
    sizes = sorted({size for by_size in table.values() for size in by_size})

    print("| endpoint | " + " | ".join(f"{n:,} req/s" for n in sizes) + " | spread |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for name, by_size in table.items():
        rps = [by_size[n]["rps"] for n in sizes]
        spread = max(rps) / min(rps) - 1 if min(rps) else float("nan")
        print(f"| {name} | " + " | ".join(f"{r:.1f}" for r in rps) + f" | {spread:.0%} |")
    for reference in ("plain", "ceiling"):
        if reference not in table:
            continue
        print()
        print(f"| endpoint / {reference} | " + " | ".join(f"{n:,}" for n in sizes) + " | median of rounds |")
        print("|---|" + "---:|" * (len(sizes) + 1))
        ceiling = table[reference]
        for name, by_size in table.items():
            if name == reference:
                continue
            overall = [by_size[n]["rps"] / ceiling[n]["rps"] for n in sizes]
            rounds = [
                statistics.median(
                    e / c for e, c in zip(by_size[n]["per_round"], ceiling[n]["per_round"], strict=True) if c
                )
                for n in sizes
            ]
            print(
                f"| {name} | "
                + " | ".join(f"{v:.2f}" for v in overall)
                + " | "
                + " / ".join(f"{v:.2f}" for v in rounds)
                + " |"
            )


if __name__ == "__main__":
    main()
