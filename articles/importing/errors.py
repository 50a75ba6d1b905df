"""The one error an importer raises for input it cannot read."""

from __future__ import annotations

from config.exceptions import InvalidInput


class ImportError_(InvalidInput):  # trailing underscore: not the builtin ImportError
    """Unreadable input. ``line`` is the 1-based line of the source the message is about, when known."""

    default_code = "unreadable-input"

    def __init__(self, message: str, *, line: int | None = None, source_name: str = "") -> None:
        self.line = line
        self.source_name = source_name
        self.reason = message
        where = f"line {line}: " if line else ""
        prefix = f"{source_name}: " if source_name else ""
        super().__init__(f"{prefix}{where}{message}", detail={"line": line} if line else None)
