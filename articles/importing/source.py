"""Reading an import file safely: bytes -> text, or a clear ``ImportError_`` saying why not."""

from __future__ import annotations

import re
from pathlib import Path

from articles.importing.errors import ImportError_

MAX_SOURCE_BYTES = 1_000_000  # a text export or Markdown article
MAX_DOCUMENT_BYTES = 5_000_000  # a saved HTML page (scripts and styles included) or a Word file (images included)
_SIZE_RULE = (
    f"at most {MAX_SOURCE_BYTES:,} bytes for a text export or Markdown, {MAX_DOCUMENT_BYTES:,} for an HTML page "
    "or a Word file"
)
# C0 control characters other than tab, line feed, form feed and carriage return.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HTML_RE = re.compile(r"\A\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<\?xml)", re.IGNORECASE)
_HTML_TAGS_RE = re.compile(r"<(?:html|head|body|div|script|meta)[\s>]", re.IGNORECASE)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def decode_source(data: bytes, *, source_name: str = "") -> str:
    """UTF-8 bytes -> text with ``\\n`` line ends. Rejects empty, binary, non-UTF-8 and oversized input."""
    if len(data) > MAX_SOURCE_BYTES:
        raise ImportError_(
            f"the file is {len(data):,} bytes; an article file may be at most {MAX_SOURCE_BYTES:,} bytes",
            source_name=source_name,
        )
    if b"\x00" in data:
        nul = data.index(b"\x00")
        raise ImportError_(
            "this is a binary file (it contains NUL bytes), not a text or Markdown article",
            line=data.count(b"\n", 0, nul) + 1,
            source_name=source_name,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8 text",
            line=data.count(b"\n", 0, exc.start) + 1,
            source_name=source_name,
        ) from None
    return check_text(text, source_name=source_name)


def check_text(text: str, *, source_name: str = "") -> str:
    """Normalises line ends and rejects text no importer can read (empty, control characters, HTML)."""
    if len(text) > MAX_SOURCE_BYTES:
        raise ImportError_(
            f"the text is {len(text):,} characters; an article may be at most {MAX_SOURCE_BYTES:,}",
            source_name=source_name,
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportError_("the file is empty", line=1, source_name=source_name)
    control = _CONTROL_RE.search(text)
    if control:
        raise ImportError_(
            f"unexpected control character U+{ord(control.group()):04X}: this does not look like a text file",
            line=_line_of(text, control.start()),
            source_name=source_name,
        )
    html = _HTML_RE.search(text) or _HTML_TAGS_RE.search(text[:5000])
    if html:
        raise ImportError_(
            "this text has HTML in it: import the page itself (an .html file that starts with its markup), or "
            "export it as plain text, or write it as Markdown with YAML front matter",
            line=_line_of(text, text.index("<", html.start())),
            source_name=source_name,
        )
    return text


def _read_file(path: str | Path, *, limit: int, rule: str) -> tuple[bytes, str]:
    """At most ``limit`` bytes of the file at ``path`` and its name, or ``ImportError_`` naming why not
    (``rule`` completes "an article file may be ...")."""
    path = Path(path)
    name = str(path)
    try:
        if not path.exists():
            raise ImportError_("no such file", source_name=name)
        if not path.is_file():
            raise ImportError_("not a regular file", source_name=name)
        size = path.stat().st_size
        if size > limit:
            raise ImportError_(f"the file is {size:,} bytes; an article file may be {rule}", source_name=name)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ImportError_(f"cannot read the file: {exc.strerror or exc}", source_name=name) from None
    if len(data) > limit:  # it grew while being read
        raise ImportError_(f"the file is over {limit:,} bytes; an article file may be {rule}", source_name=name)
    return data, name


def read_source(path: str | Path) -> str:
    """The text of the file at ``path``, or ``ImportError_`` naming why it cannot be imported."""
    data, name = _read_file(path, limit=MAX_SOURCE_BYTES, rule=f"at most {MAX_SOURCE_BYTES:,} bytes")
    return decode_source(data, source_name=name)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of the file at ``path`` (at most ``MAX_DOCUMENT_BYTES``), or ``ImportError_`` naming why not."""
    return _read_file(path, limit=MAX_DOCUMENT_BYTES, rule=_SIZE_RULE)[0]


def decode_page(data: bytes, *, source_name: str = "") -> str:
    """An HTML page's bytes -> text: UTF-8 (a saved page says so in its meta charset), else a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"the HTML page is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the page "
            "as UTF-8 and import it again",
            line=data.count(b"\n", 0, exc.start) + 1,
            source_name=source_name,
        ) from None
