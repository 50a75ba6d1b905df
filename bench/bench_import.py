"""Benchmark of the plain-text import (parse + integrity check) on exports of 0.5, 1, 2 and 5 MB.

    .venv/bin/python bench/bench_import.py [--sizes 0.5,1,2,5] [--repeat 3]

Builds each export from the fixture corpus (``tests/fixtures/corpus/*.txt``, the seed's format): one
question line, then the article bodies of the corpus (headings, nested bullets, numbered lists, trailing
citation numbers, boilerplate) repeated until the size is reached, then a ``References`` block that grows
with it (the corpus's entries, repeated: labels of many kinds, identifiers in every form). It times
``parse_plaintext`` and ``check_content`` (best of ``--repeat`` runs each) and prints the time per MB and
its ratio to the smallest export: a ratio near 1 means time grows linearly with size. It also times
both with Python's cyclic garbage collector paused (``gc off``): the collector's full passes walk every
live object, so with it on the cost per MB creeps up with the number of objects alive at once.

``import_article`` refuses files over ``MAX_SOURCE_BYTES`` (1 MB); the benchmark calls the parser and the
checker directly to show how the cost grows past it. No database is used.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
MB = 1_000_000


def _parts() -> tuple[list[str], list[str]]:
    """The body (after the question line, before ``References``) and the reference block of each export."""
    bodies, references = [], []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        end = next((i for i, line in enumerate(lines) if re.fullmatch(r"References\s*", line)), len(lines))
        tail = lines[end + 1 :]
        stop = next((i for i, line in enumerate(tail) if "Disclaimer" in line), len(tail))
        bodies.append("\n".join(lines[1:end]).strip("\n"))
        references.append("\n".join(tail[:stop]).strip("\n"))
    return bodies, references


def build_export(size: int) -> str:
    """An export of about ``size`` bytes: the corpus bodies repeated, then a reference block as long."""
    bodies, references = _parts()
    head = "What are the treatment options across these specialties?\n\n"
    body_unit = "\n\n".join(bodies) + "\n\n"
    # Numbered reference blocks restart at 1 in each copy; keep the unnumbered ones, which number by order.
    ref_unit = "\n\n".join(r for r in references if not re.match(r"\s*(?:\[\d+\]|\d+\.)\s", r)) + "\n\n"
    unit = len((body_unit + ref_unit).encode())
    copies = max(1, round((size - len(head)) / unit))
    return head + body_unit * copies + "References\n\n" + ref_unit * copies


def _best(function, repeat: int, *, collect: bool = True) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            start = time.perf_counter()
            result = function()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.5,1,2,5", help="export sizes in MB (default 0.5,1,2,5)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported (default 3)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from articles.importing.plaintext import parse_plaintext
    from references.integrity import check_content

    print(f"== {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%dT%H:%MZ}, load {os.getloadavg()[0]:.1f}")
    print(f"{'MB':>6} {'lines':>9} {'sections':>9} {'refs':>7} {'findings':>9} {'parse s':>8} {'check s':>8} "
          f"{'total s':>8} {'s/MB':>7} {'ratio':>6} {'gc off s':>9} {'s/MB':>7} {'ratio':>6}")
    baseline = baseline_off = None
    for size in (float(s) for s in args.sizes.split(",")):
        text = build_export(int(size * MB))
        megabytes = len(text.encode()) / MB
        parse_time, content = _best(lambda text=text: parse_plaintext(text), args.repeat)
        check_time, report = _best(lambda content=content: check_content(content), args.repeat)
        total = parse_time + check_time
        off, _ = _best(lambda text=text: check_content(parse_plaintext(text)), args.repeat, collect=False)
        per_mb, per_mb_off = total / megabytes, off / megabytes
        baseline, baseline_off = baseline or per_mb, baseline_off or per_mb_off
        print(f"{megabytes:6.2f} {text.count(chr(10)) + 1:9,} {len(content.sections):9,} "
              f"{len(content.citations):7,} {len(report.findings):9,} {parse_time:8.2f} {check_time:8.2f} "
              f"{total:8.2f} {per_mb:7.2f} {per_mb / baseline:6.2f} {off:9.2f} {per_mb_off:7.2f} "
              f"{per_mb_off / baseline_off:6.2f}")


if __name__ == "__main__":
    main()
