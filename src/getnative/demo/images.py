"""The demo catalog's pictures: small SVG files shipped in `demo/media/`, served by the server.

The demo must not point clients at hosts that do not exist, and it ships no photographs, so each
speaker gets an initials avatar and each video a title card. `python -m getnative.demo.images`
writes them again from `catalog.yaml` after the demo catalog changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

DEMO_DIR = Path(__file__).parent
MEDIA_DIR = DEMO_DIR / "media"
# Served at `<media path>/demo/`; the catalog names files relative to the media path.
URL_PREFIX = "demo"
_PALETTE = ("#1d6fa5", "#c0392b", "#16a085", "#8e44ad", "#d35400", "#2c3e50", "#27ae60", "#b9770e")


def _colour(key: str) -> str:
    return _PALETTE[hashlib.sha256(key.encode()).digest()[0] % len(_PALETTE)]


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split()[:2]).upper()


def speaker_svg(key: str, name: str) -> str:
    """A 256x256 avatar: the speaker's initials on a colour of their own."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
        f'<rect width="256" height="256" fill="{_colour(key)}"/>'
        '<text x="128" y="150" font-family="Helvetica, Arial, sans-serif" font-size="96" '
        f'fill="#ffffff" text-anchor="middle">{escape(_initials(name))}</text></svg>\n'
    )


def thumbnail_svg(key: str, title: str, speaker: str) -> str:
    """A 480x270 (16:9) title card: the video's title and its speaker."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="270" viewBox="0 0 480 270">'
        f'<rect width="480" height="270" fill="{_colour(key)}"/>'
        '<text x="240" y="130" font-family="Helvetica, Arial, sans-serif" font-size="28" '
        f'fill="#ffffff" text-anchor="middle">{escape(title)}</text>'
        '<text x="240" y="180" font-family="Helvetica, Arial, sans-serif" font-size="18" '
        f'fill="#f0f0f0" text-anchor="middle">{escape(speaker)}</text></svg>\n'
    )


def write_all(catalog: Path = DEMO_DIR / "catalog.yaml", out: Path = MEDIA_DIR) -> int:
    """Write every picture the demo catalog names; returns how many."""
    data = yaml.safe_load(catalog.read_text(encoding="utf-8"))
    speakers = {s["key"]: s["name"] for s in data["speakers"]}
    files = {f"speakers/{key}.svg": speaker_svg(key, name) for key, name in speakers.items()}
    for video in data["videos"]:
        card = thumbnail_svg(video["key"], video.get("title", ""), speakers[video["speaker"]])
        files[f"videos/{video['key']}.svg"] = card
    for name, content in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(content, encoding="utf-8")
    return len(files)


if __name__ == "__main__":
    print(f"wrote {write_all()} pictures into {MEDIA_DIR}")
