"""Text of a PDF page as people read it: words into lines, lines into a cell's text
or into the paragraphs around the tables.

A PDF has no line breaks, only words at positions. Inside a cell a new line is
either the text wrapping (the next word did not fit) or a break the author typed
(a new paragraph, the next unit of a list). Which one is told by the widths: when
the next line's first word would have fitted at the end of the line above, the
line was ended on purpose and stays a line; otherwise the text wrapped and the
lines are one paragraph again, joined by a space -- without one after a hyphen
inside a word ("02-" / "CTr/BCĐTW": Word breaks there) or when a word longer than
the column was cut.
A token alone on its line and filling it, followed by a plain word, is taken to
have wrapped ("pakn.ng57.vn" / "và"): a link cut where its rest happens to be plain
letters ("…hanh-ch" / "inh") gets a space it did not have; nothing on the page
tells the two apart. Tone marks and look-alike letters are left as drawn: intake/cells.py `clean` and
domain/text.py normalise them for every format alike.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

__all__ = ["Line", "lines_of", "cell_text", "paragraphs"]

_BREAK_AFTER = ("-",)     # Word breaks a line inside a word only after a hyphen


@dataclass
class Line:
    words: list[dict] = field(default_factory=list)   # pdfplumber words, left to right

    @property
    def x0(self) -> float:
        return self.words[0]["x0"]

    @property
    def x1(self) -> float:
        return self.words[-1]["x1"]

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def size(self) -> float:
        return max(w.get("size") or (w["bottom"] - w["top"]) for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    def space(self) -> float:
        """The width of a space here: the narrowest gap between two words."""
        gaps = [b["x0"] - a["x1"] for a, b in zip(self.words, self.words[1:]) if b["x0"] > a["x1"]]
        return min(gaps) if gaps else 0.28 * self.size


def lines_of(chars: list[dict]) -> list[Line]:
    """The upright text of `chars` as lines, top to bottom, each left to right."""
    from pdfplumber.utils import extract_words

    upright = [c for c in chars if c.get("upright", True) and c["text"]]
    if not upright:
        return []
    words = extract_words(upright, x_tolerance_ratio=0.2, y_tolerance=3, extra_attrs=["size"],
                          return_chars=True)
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        line = next((ln for ln in reversed(lines[-3:]) if _same_line(ln, word)), None)
        if line is None:
            lines.append(Line([word]))
        else:
            line.words.append(word)
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
        for word in line.words:
            word["text"] = unicodedata.normalize("NFC", word["text"])
    lines.sort(key=lambda ln: ln.top)
    return lines


def _same_line(line: Line, word: dict) -> bool:
    last = line.words[-1]
    return abs(last["top"] - word["top"]) <= 0.4 * min(last["bottom"] - last["top"], word["bottom"] - word["top"])


def cell_text(lines: list[Line], x0: float, x1: float) -> str:
    """The text of one cell (x0…x1 its borders): wrapped lines joined again, lines
    the author ended kept apart."""
    if not lines:
        return ""
    pad = max(0.0, min(line.x0 for line in lines) - x0)
    inner = (x1 - x0) - 2 * pad
    parts = [lines[0].text]
    for above, below in zip(lines, lines[1:]):
        parts.append(_joint(above, below, inner))
        parts.append(below.text)
    return "".join(parts)


def _joint(above: Line, below: Line, inner: float) -> str:
    """What stood between two lines of a cell: a line break, a space or nothing."""
    first = below.words[0]
    space = above.space() if len(above.words) > 1 else below.space()
    if (above.x1 - above.x0) + space + (first["x1"] - first["x0"]) <= inner - 0.5:
        return "\n"                                   # the next word had room: a real break
    text = above.text
    if text.endswith(_BREAK_AFTER) and len(text) > 1 and not text[-2].isspace():
        return ""                                     # "02-" + "CTr/BCĐTW"
    if len(above.words) == 1 and _cut(above.words[0], first, inner):
        return ""                                     # a word longer than the column, cut
    return " "


def _cut(word: dict, after: dict, inner: float) -> bool:
    """Whether a word alone on its line, filled to the last letter that fitted, goes
    on in `after`: a token longer than the column (a link, a code) cut anywhere.
    A token of signs followed by a plain word ("pakn.ng57.vn" / "và") only wrapped."""
    head = (after.get("chars") or [after])[0]
    if (word["x1"] - word["x0"]) + (head["x1"] - head["x0"]) <= inner:
        return False
    return word["text"].isalpha() or not after["text"].isalpha()


def paragraphs(lines: list[Line], left: float, right: float) -> list[str]:
    """Prose lines (titles, numbers, headings) joined into paragraphs the same way,
    against the width of the page's text (left…right). Lines split by a wide gap
    (the two columns of an official header) are kept as separate lines; a line
    that goes on in lower case continues its paragraph even when not full."""
    out: list[str] = []
    previous: Line | None = None
    for line in lines:
        pieces = _columns(line)
        if len(pieces) > 1:
            out.extend(piece.text for piece in pieces)
            previous = None
            continue
        if previous is not None and _continues(previous, line, right - left):
            out[-1] += _joint(previous, line, right - left).replace("\n", " ") + line.text
        else:
            out.append(line.text)
        previous = line
    return [p for p in out if p.strip()]


def _continues(above: Line, below: Line, width: float) -> bool:
    near = below.top - above.top <= 1.9 * above.size and abs(below.size - above.size) < 0.5
    if not near:
        return False
    return _joint(above, below, width) != "\n" or below.text[:1].islower()


def _columns(line: Line) -> list[Line]:
    """A line cut where words stand far apart (more than three letters' widths)."""
    pieces = [Line([line.words[0]])]
    for word in line.words[1:]:
        if word["x0"] - pieces[-1].x1 > 3 * line.size:
            pieces.append(Line([word]))
        else:
            pieces[-1].words.append(word)
    return pieces
