"""SRT and WebVTT to timed cues and plain transcript text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from getnative.catalog.subtitles import (
    SubtitleError,
    TimedText,
    parse_srt,
    parse_timing,
    parse_vtt,
    srt_to_text,
    vtt_to_text,
)

SRT = """1
00:00:00,000 --> 00:00:05,200
Hey there, I'm <i>Harold</i>,
and today I talk about cards.

2
00:00:05,200 --> 00:00:12,800
{\\an8}Back home &amp; at work.

10
00:00:12,800 --> 00:00:20,500 X1:40 X2:600 Y1:20 Y2:50
<font color="#fff">The end.</font>
"""


def test_srt_drops_numbers_timings_and_tags() -> None:
    assert srt_to_text(SRT) == (
        "Hey there, I'm Harold, and today I talk about cards. Back home & at work. The end."
    )


def test_srt_tolerates_crlf_bom_and_extra_blank_lines() -> None:
    source = "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nOne\r\n\r\n\r\n\r\n2\r\n" + (
        "00:00:02,000 --> 00:00:03,000\r\nTwo\r\n"
    )
    assert srt_to_text(source) == "One Two"


def test_srt_keeps_numbers_that_are_dialogue() -> None:
    source = "1\n00:00:01,000 --> 00:00:02,000\n42\n\n2\n00:00:02,000 --> 00:00:03,000\nok\n"
    assert srt_to_text(source) == "42 ok"


def test_japanese_cues_are_joined_without_spaces() -> None:
    source = (
        "1\n00:00:00,000 --> 00:00:02,000\nこんにちは。\n\n"
        "2\n00:00:02,000 --> 00:00:04,000\n名刺です。\n"
    )
    assert srt_to_text(source, lang="ja") == "こんにちは。名刺です。"


VTT = """WEBVTT - a title
Kind: captions

NOTE
This is a comment --> not a cue

STYLE
::cue { color: yellow }

intro
00:00.000 --> 00:04.000 align:start position:10%
<v Sarah>Hi everyone,</v> I'm <c.loud>Sarah</c>.

00:00:04.000 --> 00:00:12.500
A quick <00:00:05.000>hello &lt;3
by the coffee machine.
"""


def test_vtt_drops_header_notes_styles_ids_settings_and_tags() -> None:
    assert vtt_to_text(VTT) == "Hi everyone, I'm Sarah. A quick hello <3 by the coffee machine."


@pytest.mark.parametrize(
    ("convert", "source"),
    [
        (srt_to_text, ""),
        (srt_to_text, "just some text"),
        (srt_to_text, "1\nno timing here\n"),
        (vtt_to_text, ""),
        (vtt_to_text, "00:00.000 --> 00:01.000\nno header\n"),
        (vtt_to_text, "WEBVTT\n\nNOTE only a note\n"),
    ],
)
def test_srt_without_cues_and_vtt_without_header_or_cues_are_rejected(
    convert: Callable[[str], str], source: str
) -> None:
    with pytest.raises(SubtitleError):
        convert(source)


def test_cues_keep_their_timing_in_milliseconds() -> None:
    cues = parse_srt(SRT)

    assert [(cue.start_ms, cue.end_ms) for cue in cues] == [
        (0, 5200),
        (5200, 12800),
        (12800, 20500),
    ]
    assert cues[1] == TimedText(5200, 12800, "Back home & at work.")


def test_vtt_timestamps_may_leave_out_the_hours() -> None:
    cues = parse_vtt(VTT)

    assert [(cue.start_ms, cue.end_ms) for cue in cues] == [(0, 4000), (4000, 12500)]
    assert cues[0].text == "Hi everyone, I'm Sarah."


def test_japanese_cue_lines_are_joined_without_spaces() -> None:
    source = "1\n00:00:01,000 --> 00:00:02,500\n名刺を\n両手で\n"

    assert parse_srt(source, lang="ja") == [TimedText(1000, 2500, "名刺を両手で")]


def test_a_cue_ending_before_it_starts_has_no_length() -> None:
    assert parse_timing("00:00:05,000 --> 00:00:04,000") == (5000, 5000)
    assert parse_timing("01:02:03.4 --> 01:02:03.45 line:0") == (3_723_400, 3_723_450)


@pytest.mark.parametrize(
    "line",
    [
        "1 --> 2",
        "00:00:01,000 -> 00:00:02,000",
        "00:61:00,000 --> 00:62:00,000",
        "99:00:00.000 --> 99:00:01.000",
    ],
)
def test_unreadable_or_out_of_range_timings_are_rejected(line: str) -> None:
    with pytest.raises(SubtitleError):
        parse_srt(f"1\n{line}\nText\n")
