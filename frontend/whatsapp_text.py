"""A message's text as WhatsApp shows it: links, and its formatting marks (*bold*, _italic_,
~strikethrough~, ```monospace```, `inline code`) made into HTML; everything else escaped."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

# A link urlize made: formatting marks inside it (an address with underscores) are left alone.
_LINK = re.compile(r"(<a [^>]*>.*?</a>)", re.DOTALL)
_MONOSPACE = re.compile(r"```(.+?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])")


def _styled(mark: str, tag: str) -> tuple[re.Pattern[str], str]:
    # WhatsApp styles a span whose marks hug it (no space just inside) and stand apart from words
    # outside, on one line: 2*3*4 and snake_case_names stay as written.
    m = re.escape(mark)
    return re.compile(rf"(?<![\w{m}]){m}(?=[^\s{m}])([^\n]*?[^\s{m}]|[^\s{m}]){m}(?![\w{m}])"), rf"<{tag}>\1</{tag}>"


_STYLES = (_styled("*", "strong"), _styled("_", "em"), _styled("~", "s"))


def _styles(escaped: str) -> str:
    for pattern, replacement in _STYLES:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def _code_apart(escaped: str, code: re.Pattern[str], rest: Callable[[str], str]) -> str:
    """Spans of `code` as <code> (marks inside shown as written), `rest` applied to the others."""
    pieces = code.split(escaped)
    return "".join(f"<code>{piece}</code>" if index % 2 else rest(piece) for index, piece in enumerate(pieces))


def _formatted(escaped: str) -> str:
    """Formatting marks of escaped text (no tags in it) as HTML."""
    return _code_apart(escaped, _MONOSPACE, lambda text: _code_apart(text, _INLINE_CODE, _styles))


def whatsapp_html(text: str) -> SafeString:
    """`text` escaped, its web addresses as links opening beside the inbox, its marks as styles."""
    linked = urlize(text, nofollow=True, autoescape=True)
    parts = _LINK.split(linked)
    html = "".join(
        part.replace("<a ", '<a target="_blank" rel="noopener noreferrer" ', 1) if index % 2 else _formatted(part)
        for index, part in enumerate(parts)
    )
    return mark_safe(html)  # noqa: S308 (escaped by urlize; only our own tags added)
