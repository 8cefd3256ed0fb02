"""SubRip (.srt) and WebVTT (.vtt) subtitles to plain transcript text.

A transcript is shown as running text, so numbering, timing lines, the VTT header, NOTE/STYLE/
REGION blocks, cue settings and markup tags are dropped and the cue texts are joined. Languages
written without spaces (Japanese, Chinese) are joined without a separator.
"""

from __future__ import annotations

import html
import re

UNSPACED_LANGUAGES = frozenset({"ja", "zh", "th", "lo", "km", "my", "yue", "wuu"})
_TIMING = re.compile(r"-->")
_TAG = re.compile(r"<[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_VTT_BLOCKS_TO_SKIP = ("NOTE", "STYLE", "REGION")


class SubtitleError(ValueError):
    """The text is not a usable SRT or VTT file."""


def joiner_for(lang: str) -> str:
    return "" if lang.split("-")[0].lower() in UNSPACED_LANGUAGES else " "


def _blocks(source: str) -> list[list[str]]:
    """Blank-line separated blocks of stripped lines (BOM and CRLF tolerated)."""
    text = source.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _clean(line: str) -> str:
    line = _ASS_OVERRIDE.sub("", _TAG.sub("", line))
    return " ".join(html.unescape(line).split())


def _cue_lines(block: list[str]) -> list[str]:
    """The text lines of a cue block: everything after its timing line."""
    for position, line in enumerate(block):
        if _TIMING.search(line):
            return [cleaned for cleaned in map(_clean, block[position + 1 :]) if cleaned]
    return []


def _join(cues: list[list[str]], lang: str) -> str:
    separator = joiner_for(lang)
    return separator.join(separator.join(lines) for lines in cues if lines).strip()


def srt_to_text(source: str, *, lang: str = "en") -> str:
    """Plain text of an SRT file: index lines and timings dropped, tags removed."""
    blocks = _blocks(source)
    cues = [_cue_lines(block) for block in blocks if any(_TIMING.search(x) for x in block)]
    if not cues:
        raise SubtitleError("no subtitle cues found (expected 'start --> end' timing lines)")
    return _join(cues, lang)


def vtt_to_text(source: str, *, lang: str = "en") -> str:
    """Plain text of a WebVTT file: header, NOTE/STYLE/REGION blocks, ids and settings dropped."""
    blocks = _blocks(source)
    if not blocks or not blocks[0][0].startswith("WEBVTT"):
        raise SubtitleError("a WebVTT file must start with 'WEBVTT'")
    cues = [
        _cue_lines(block)
        for block in blocks[1:]  # blocks[0] is the header
        if not block[0].startswith(_VTT_BLOCKS_TO_SKIP)
        and any(_TIMING.search(line) for line in block)
    ]
    if not cues:
        raise SubtitleError("no subtitle cues found (expected 'start --> end' timing lines)")
    return _join(cues, lang)
