"""Cleaning one cell's text: HTML and LaTeX out, lines and Unicode tidied.

Cells reach us with HTML from Word/PDF converters (<b>, <i>, <p>, <ul><li>, <br>)
and LaTeX from formula-aware converters ($\\geq 36\\%$). The cleaned text keeps the
document's line structure (one paragraph or list item per line) because lists of
units and sub-items are carried by it; everything else is folded to single spaces.
"""
from __future__ import annotations

import html
import re

from domain.text import nfc

# Tags that end a line: paragraphs, list items, line breaks, table/div blocks.
_BLOCK_TAG = re.compile(r"<\s*(?:br|/?p|/?li|/?ul|/?ol|/?div|/?tr|/?h[1-6])\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_LATEX_SPAN = re.compile(r"\$([^$\n]{1,200})\$")
_LATEX_CMD = re.compile(r"\\([a-zA-Z]+|[%&#_$ ,;!])")
_LATEX_BRACES = re.compile(r"[{}]")
_SPACES = re.compile(r"[ \t\u00a0\u2002-\u200a\u202f\u3000]+")
_PAREN_PAD = re.compile(r"\(\s+|\s+\)")
_BOLD_ONLY = re.compile(r"^\s*<\s*(b|strong)\b[^>]*>(.*)<\s*/\s*\1\s*>\s*$", re.I | re.S)
_HAS_MARKUP = re.compile(r"[<$&\\]")

_LATEX_SYMBOLS = {
    "geq": "≥", "ge": "≥", "geqslant": "≥", "leq": "≤", "le": "≤", "leqslant": "≤",
    "neq": "≠", "ne": "≠", "approx": "≈", "sim": "~", "times": "×", "cdot": "·",
    "pm": "±", "div": "÷", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$",
    "rightarrow": "→", "to": "→", "leftarrow": "←", "infty": "∞", "degree": "°",
    " ": " ", ",": " ", ";": " ", "!": "",
}
# Commands that only style their argument: drop the command, keep the argument.
_LATEX_STYLE = {"text", "mathrm", "textbf", "mathbf", "textit", "emph", "mbox", "left", "right"}


def clean(raw: str | None) -> str:
    """Cleaned text of a cell: no markup, NFC, single spaces, one item per line."""
    if not raw:
        return ""
    text = raw
    if _HAS_MARKUP.search(text):
        text = _LATEX_SPAN.sub(lambda m: _latex(m.group(1)), text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _ANY_TAG.sub("", text)
        text = html.unescape(text)
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    out = "\n".join(line for line in lines if line)
    if "(" in out or ")" in out:
        out = _PAREN_PAD.sub(lambda m: m.group().strip(), out)
    return out


def one_line(text: str) -> str:
    """Cleaned text on a single line (for headers and short fields)."""
    return " ".join(text.split())


def is_bold(raw: str | None) -> bool:
    """True when the whole cell is wrapped in <b>/<strong> (section and header rows)."""
    return bool(raw) and bool(_BOLD_ONLY.match(raw))


def _latex(body: str) -> str:
    def command(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _LATEX_STYLE:
            return ""
        return _LATEX_SYMBOLS.get(name, name)

    return _LATEX_BRACES.sub("", _LATEX_CMD.sub(command, body))
