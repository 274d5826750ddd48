"""Text of the PDFs the apps write (fpdf2, one embedded TrueType font), for assertions.

Enough of PDF for that case: inflate the streams, read the font's ToUnicode map, decode the
two-byte glyph strings of every `Tj`. A PDF with several fonts is refused, not misread.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>")
_TJ = re.compile(rb"\((.*?)(?<!\\)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(pdf: bytes) -> list[bytes]:
    found = []
    for match in _STREAM.finditer(pdf):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
            elif nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group(0)  # type: ignore[union-attr]
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out += nxt
                i += 2
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    streams = _streams(pdf)
    maps = [s for s in streams if b"beginbfchar" in s]
    assert len(maps) == 1, f"expected one embedded font, found {len(maps)}"
    glyphs = {int(g, 16): chr(int(u, 16)) for g, u in _BFCHAR.findall(maps[0])}
    lines = []
    for stream in streams:
        if b" Tj" not in stream:
            continue
        for raw in _TJ.findall(stream):
            data = _unescape(raw)
            codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]
            lines.append("".join(glyphs.get(code, "?") for code in codes))
    return "\n".join(lines)


def embedded_fonts(pdf: bytes) -> list[str]:
    """BaseFont names of the fonts whose program is embedded (FontFile2)."""
    if b"/FontFile2" not in pdf:
        return []
    return [name.decode() for name in re.findall(rb"/BaseFont\s*/([^\s/>]+)", pdf)]
