"""Section bodies (a small Markdown subset) to sanitised HTML, with citation markers as links.

markdown-it-py parses CommonMark with raw HTML disabled; a small inline rule turns citation
markers into ``<sup class="citation">`` links to ``#ref-N``; nh3 (the Ammonia sanitiser)
then keeps only the tags the subset needs. Raw HTML in the source comes out as text.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from articles.markers import MARKER_RE, parse_numbers

ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "sup", "br", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "sup": {"class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    match = MARKER_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"numbers": parse_numbers(match.group(1))}
    state.pos = match.end()
    return True


def _render_citation(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    numbers = tokens[idx].meta["numbers"]
    links = ", ".join(f'<a href="#ref-{n}">{n}</a>' for n in numbers)
    return f'<sup class="citation">{links}</sup>'


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(
        ["image", "table", "heading", "lheading", "code", "fence", "hr", "html_block", "html_inline"],
        ignoreInvalid=True,
    )
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
    return md


def render_markdown(body: str) -> str:
    """Markdown subset -> sanitised HTML."""
    raw = _markdown().render(body or "")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def html_to_text(markup: str) -> str:
    """Plain text of rendered HTML: tags dropped, entities decoded, whitespace folded per line."""
    block_breaks = markup.replace("</p>", "</p>\n").replace("</li>", "</li>\n")
    text = html.unescape(nh3.clean(block_breaks, tags=set()))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def render_section(heading: str, level: int, body: str) -> dict[str, Any]:
    markup = render_markdown(body)
    return {
        "heading": heading,
        "level": level,
        "html": markup,
        "text": html_to_text(markup),
        "citations": sorted({n for m in MARKER_RE.finditer(body or "") for n in parse_numbers(m.group(1))}),
    }
