"""Shared by the security tests: the review API client, and a Markdown article with front matter."""

from __future__ import annotations

from tests.reviewboard.api.clients import client_for

__all__ = ["REVIEW_BASE", "client_for", "markdown_article"]

REVIEW_BASE = "/api/v1/review/articles/"


def markdown_article(
    *,
    question: str = "What are the treatment options for back pain?",
    url: str = "",
    title: str = "Low back pain guideline",
    heading: str = "First-line",
) -> str:
    """A Markdown article citing one reference; ``question``, ``title`` and ``url`` go into the YAML as
    double-quoted scalars, so escapes such as ``\\n`` become the characters themselves."""
    url_line = f'    url: "{url}"\n' if url else ""
    return (
        "---\n"
        f'question: "{question}"\n'
        "topic: back pain\n"
        "references:\n"
        "  - number: 1\n"
        "    kind: guideline\n"
        f'    title: "{title}"\n'
        "    year: 2017\n"
        f"{url_line}"
        "---\n"
        f"## {heading}\n"
        "Stay active for back pain [1].\n"
    )
