"""Benchmark of the import (parse + integrity check) of each format on articles of 0.5, 1, 2 and 5 MB.

    .venv/bin/python bench/bench_import.py [--sizes 0.5,1,2,5] [--repeat 3] [--formats txt,html,docx]

``txt``: see below. ``html``: the corpus's saved hypertension page (site chrome, linked ``<sup>`` markers,
lists, a table, a labelled reference list) with its sections and references repeated (``build_page``).
``docx``: the corpus's footnoted Word manuscript repeated with fresh footnotes (``build_docx``); its size is
that of the HTML mammoth makes of it (the zipped file is far smaller: the "file MB" column).

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
# The reference headings the plain-text reader knows (articles.importing.reference_list._REFERENCES_HEADING_RE).
_REFERENCES_HEADING = re.compile(
    r"(?:references?(?: and further reading| cited)?|bibliography|sources|works cited|literature cited|citations)"
    r"\s*:?",
    re.IGNORECASE,
)


def _parts() -> tuple[list[str], list[str]]:
    """The body (after the question line, before ``References``) and the reference block of each export."""
    bodies, references = [], []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        end = next((i for i, line in enumerate(lines) if _REFERENCES_HEADING.fullmatch(line.strip())), len(lines))
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
    ref_unit = "\n\n".join(r for r in references if not re.match(r"\s*(?:\[\d+\]|\d+[.)])\s", r)) + "\n\n"
    unit = len((body_unit + ref_unit).encode())
    copies = max(1, round((size - len(head)) / unit))
    return head + body_unit * copies + "References\n\n" + ref_unit * copies


def build_page(size: int) -> str:
    """An HTML page of about ``size`` bytes: the saved hypertension page's sections (h2/h3, paragraphs with
    linked ``<sup>`` markers, lists, a table) repeated in one ``<article>``, then an ordered reference list
    as long, inside the site chrome of the page (nav, cookie banner, review status widget)."""
    page = (CORPUS / "saved-page-hypertension.html").read_text(encoding="utf-8")
    head, rest = page.split("<h2>Lifestyle First</h2>", 1)
    body_unit, rest = rest.split('<section class="references"', 1)
    body_unit = "<h2>Lifestyle First</h2>" + body_unit
    items = re.findall(r"<li id=\"ref-\d+\">.*?</li>", rest, flags=re.S)
    ref_unit = "\n".join(re.sub(r' id="ref-\d+"', "", item) for item in items) + "\n"
    tail = "</article></main></body></html>\n"
    unit = len((body_unit + ref_unit).encode())
    copies = max(1, round((size - len(head) - len(tail)) / unit))
    return (
        head
        + body_unit * copies
        + '<section class="references"><h2>References</h2><ol>'
        + ref_unit * copies
        + "</ol></section>"
        + tail
    )


def build_docx(size: int) -> tuple[bytes, int]:
    """A Word file whose text (the HTML mammoth makes of it) is about ``size`` bytes: the corpus's
    footnoted vitamin D manuscript repeated, each copy with its own footnotes and papers (two of its four
    notes cite one work). Returns the file and the size of its HTML."""
    from tests.articles.docx_builder import VITAMIN_D, VITAMIN_D_FOOTNOTES
    from tests.articles.docx_builder import build_docx as build

    unit_html = 2_165  # bytes of HTML one copy of the manuscript gives (measured)
    copies = max(1, round(size / unit_html))
    blocks, notes = [VITAMIN_D[0]], {}
    for copy in range(copies):
        offset = copy * len(VITAMIN_D_FOOTNOTES)
        for style, text in VITAMIN_D[1:]:
            blocks.append(
                (style, re.sub(r"\{\{fn:(\d+)\}\}", lambda m, o=offset: f"{{{{fn:{int(m.group(1)) + o}}}}}", text))
            )
        for number, text in VITAMIN_D_FOOTNOTES.items():
            # Each copy cites its own papers (notes 1 and 3 still cite one work: one reference, cited twice).
            notes[number + offset] = re.sub(r"doi:(10\.\S+)", rf"doi:\1.c{copy}", text, flags=re.IGNORECASE)
    data = build(blocks, footnotes=notes)
    import io

    import mammoth

    return data, len(mammoth.convert_to_html(io.BytesIO(data)).value.encode())


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
    parser.add_argument("--formats", default="txt,html,docx", help="formats to measure (default txt,html,docx)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from articles.importing.docx import parse_docx
    from articles.importing.html import parse_html
    from articles.importing.plaintext import parse_plaintext
    from references.integrity import check_content

    parsers = {
        "txt": (build_export, parse_plaintext),
        "html": (build_page, parse_html),
        "docx": (build_docx, parse_docx),
    }
    print(
        f"== {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%dT%H:%MZ}, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'format':>6} {'MB':>6} {'file MB':>7} {'sections':>9} {'refs':>7} {'findings':>9} {'parse s':>8} "
        f"{'check s':>8} {'total s':>8} {'s/MB':>7} {'ratio':>6} {'gc off s':>9} {'s/MB':>7} {'ratio':>6}"
    )
    for name in args.formats.split(","):
        build, parse = parsers[name]
        warm_up = build(50_000)  # the first call pays one-off costs (imports, compiled patterns, lxml/mammoth set-up)
        parse(warm_up[0] if isinstance(warm_up, tuple) else warm_up)
        baseline = baseline_off = None
        for size in (float(s) for s in args.sizes.split(",")):
            built = build(int(size * MB))
            if isinstance(built, tuple):
                document, measured = built  # a Word file, and the size of the article it holds
            else:
                document, measured = built, len(built.encode())
            megabytes, file_mb = measured / MB, len(document if isinstance(document, bytes) else document.encode()) / MB
            parse_time, content = _best(lambda document=document, parse=parse: parse(document), args.repeat)
            check_time, report = _best(lambda content=content: check_content(content), args.repeat)
            total = parse_time + check_time
            off, _ = _best(
                lambda document=document, parse=parse: check_content(parse(document)), args.repeat, collect=False
            )
            per_mb, per_mb_off = total / megabytes, off / megabytes
            baseline, baseline_off = baseline or per_mb, baseline_off or per_mb_off
            print(
                f"{name:>6} {megabytes:6.2f} {file_mb:7.2f} {len(content.sections):9,} {len(content.citations):7,} "
                f"{len(report.findings):9,} {parse_time:8.2f} {check_time:8.2f} {total:8.2f} {per_mb:7.2f} "
                f"{per_mb / baseline:6.2f} {off:9.2f} {per_mb_off:7.2f} {per_mb_off / baseline_off:6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
