"""SubRip (.srt) and WebVTT (.vtt) subtitles to timed cues and to plain transcript text.

A transcript is shown as running text, so numbering, timing lines, the VTT header, NOTE/STYLE/
REGION blocks, cue settings and markup tags are dropped and the cue texts are joined. Languages
written without spaces (Japanese, Chinese) are joined without a separator. The timing is kept
too, as `TimedText` cues in milliseconds, so that a search can land on the moment a phrase is said.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

UNSPACED_LANGUAGES = frozenset({"ja", "zh", "th", "lo", "km", "my", "yue", "wuu"})
_TIMING = re.compile(r"-->")
_TAG = re.compile(r"<[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_VTT_BLOCKS_TO_SKIP = ("NOTE", "STYLE", "REGION")
_TIMESTAMP = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING_LINE = re.compile(rf"^{_TIMESTAMP}\s*-->\s*{_TIMESTAMP}(?:\s|$)")
MAX_TIME_MS = 86_400_000
"""A cue ends within 24 hours, the longest video the catalog accepts."""


class SubtitleError(ValueError):
    """The text is not a usable SRT or VTT file."""


@dataclass(frozen=True)
class TimedText:
    """One cue: what is said from `start_ms` to `end_ms` (milliseconds from the video's start)."""

    start_ms: int
    end_ms: int
    text: str


def _milliseconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> int:
    if int(minutes) > 59 or int(seconds) > 59:
        raise SubtitleError(f"invalid time {minutes}:{seconds}")
    whole = (int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)
    return whole * 1000 + int(fraction.ljust(3, "0"))


def parse_timing(line: str) -> tuple[int, int]:
    """`00:00:05,200 --> 00:00:12,800 [settings]` (hours optional, `,` or `.`) to milliseconds.

    An end before its start is read as a cue of no length (some tools write such cues).
    """
    match = _TIMING_LINE.match(line)
    if match is None:
        raise SubtitleError(f"cannot read the timing line {line[:60]!r}")
    start = _milliseconds(*match.groups()[:4])
    end = _milliseconds(*match.groups()[4:])
    if max(start, end) > MAX_TIME_MS:
        raise SubtitleError(f"the timing line {line[:60]!r} goes beyond 24 hours")
    return start, max(start, end)


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


def _timed_cue(block: list[str], lang: str) -> TimedText | None:
    """The cue of a block (its timing line, then its text lines); None when it has no text."""
    for position, line in enumerate(block):
        if _TIMING.search(line):
            start, end = parse_timing(line)
            lines = [cleaned for cleaned in map(_clean, block[position + 1 :]) if cleaned]
            text = joiner_for(lang).join(lines)
            return TimedText(start, end, text) if text else None
    return None


def _cues(blocks: list[list[str]], lang: str) -> list[TimedText]:
    timed = [block for block in blocks if any(_TIMING.search(line) for line in block)]
    if not timed:
        raise SubtitleError("no subtitle cues found (expected 'start --> end' timing lines)")
    return [cue for cue in (_timed_cue(block, lang) for block in timed) if cue is not None]


def cues_to_text(cues: list[TimedText], *, lang: str) -> str:
    """The running text of a transcript: its cue texts joined."""
    return joiner_for(lang).join(cue.text for cue in cues).strip()


def parse_srt(source: str, *, lang: str = "en") -> list[TimedText]:
    """The cues of an SRT file: index lines dropped, tags removed."""
    return _cues(_blocks(source), lang)


def parse_vtt(source: str, *, lang: str = "en") -> list[TimedText]:
    """The cues of a WebVTT file: header, NOTE/STYLE/REGION blocks, ids and settings dropped."""
    blocks = _blocks(source)
    if not blocks or not blocks[0][0].startswith("WEBVTT"):
        raise SubtitleError("a WebVTT file must start with 'WEBVTT'")
    return _cues([b for b in blocks[1:] if not b[0].startswith(_VTT_BLOCKS_TO_SKIP)], lang)


def srt_to_text(source: str, *, lang: str = "en") -> str:
    """Plain text of an SRT file."""
    return cues_to_text(parse_srt(source, lang=lang), lang=lang)


def vtt_to_text(source: str, *, lang: str = "en") -> str:
    """Plain text of a WebVTT file."""
    return cues_to_text(parse_vtt(source, lang=lang), lang=lang)
