"""The catalog importer: the demo catalog, idempotent re-import, updates, malformed files, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative import cli
from getnative.catalog.importer import CatalogImportError, import_file
from getnative.catalog.models import (
    Category,
    Speaker,
    Subcategory,
    Transcript,
    Video,
    VideoLocale,
    WritingQuestion,
)
from getnative.config import get_settings
from getnative.db import Database
from tests.clients import ids_of
from tests.factories import DEMO_CATALOG, import_demo, table_counts, video_id_by_key


def demo_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    return data


def expected_demo_counts() -> dict[str, int]:
    data = demo_data()
    transcripts = [t for video in data["videos"] for t in video["transcripts"]]
    collocations = [c for t in transcripts for c in t.get("collocations", [])]
    return {
        "categories": len(data["categories"]),
        "subcategories": sum(len(c["subcategories"]) for c in data["categories"]),
        "speakers": len(data["speakers"]),
        "videos": len(data["videos"]),
        "video_locales": sum(len(v.get("locales", [])) for v in data["videos"]),
        "transcripts": len(transcripts),
        "collocations": len(collocations),
        "usage_examples": sum(len(c.get("usage_examples", [])) for c in collocations),
        "writing_questions": sum(len(v.get("writing_questions", [])) for v in data["videos"]),
    }


def write_catalog(tmp_path: Path, data: Any, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data, default=str), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def minimal_catalog(**video_fields: Any) -> dict[str, Any]:
    video = {
        "key": "v1",
        "speaker": "s1",
        "subcategory": "Sub One",
        "lang": "en",
        "description": "An elephant story.",
        "transcripts": [{"lang": "en", "text": "Once upon a time."}],
        "writing_questions": ["Q1?", "Q2?"],
        **video_fields,
    }
    return {
        "categories": [{"name": "Cat", "subcategories": ["Sub One"]}],
        "speakers": [{"key": "s1", "name": "Speaker One"}],
        "videos": [video],
    }


def search(client: TestClient, db: Database, q: str, lang: str) -> list[str]:
    response = client.get("/videos", params={"q": q, "lang": lang, "count": 100})
    assert response.status_code == 200, response.text
    keys = {video_id_by_key(db, key): key for key in (v["key"] for v in demo_data()["videos"])}
    return [keys[video_id] for video_id in ids_of(response.json())]


def test_demo_catalog_imports_completely(db: Database) -> None:
    report = import_file(db, DEMO_CATALOG, progress=False)
    assert table_counts(db) == expected_demo_counts()
    assert report.videos.created == len(demo_data()["videos"])
    assert report.videos.updated == 0
    assert "videos 19 (19 new, 0 updated)" in report.summary()


def test_demo_transcripts_are_plain_text(db: Database) -> None:
    import_demo(db)
    with db.session(write=False) as session:
        texts = {
            key: text
            for key, text in session.execute(
                select(Video.key, Transcript.text).join(Transcript, Transcript.video_id == Video.id)
            )
        }
    srt = texts["harold-business-cards"]
    assert srt.startswith("Hey there, I'm Harold, and today I want to talk about business cards.")
    assert "-->" not in srt and "\n" not in srt
    vtt = texts["sarah-greeting-co-workers"]
    assert vtt.startswith("Hi everyone, I'm Sarah from Toronto. At my office")
    assert "WEBVTT" not in vtt and "-->" not in vtt
    japanese = texts["yuki-business-cards"]
    assert "名刺" in japanese and " " not in japanese and "-->" not in japanese


def test_demo_catalog_is_searchable(client: TestClient, db: Database) -> None:
    import_demo(db)
    business = search(client, db, "business", "en")
    assert business[0] == "harold-business-cards"
    assert set(business) == {
        "harold-business-cards",
        "emily-meeting-preparation",
        "sarah-greeting-co-workers",
    }
    assert search(client, db, "train", "en") == ["harold-taking-the-train"]
    assert search(client, db, "名刺", "ja") == ["yuki-business-cards"]
    assert search(client, db, "電車", "ja") == ["yuki-taking-the-train"]
    assert search(client, db, "Harold", "en")[0].startswith("harold-")
    categories = client.get("/categories").json()
    assert [c["name"] for c in categories["records"]] == [
        "Business",
        "Holidays",
        "Travel",
        "School",
        "Transportation",
    ]


def test_reimport_is_idempotent(db: Database) -> None:
    import_demo(db)
    first = table_counts(db)
    with db.session(write=False) as session:
        video_ids = {key: id_ for key, id_ in session.execute(select(Video.key, Video.id))}
        question_ids = sorted(session.scalars(select(WritingQuestion.id)))
    report = import_file(db, DEMO_CATALOG, progress=False)
    import_demo(db)
    assert table_counts(db) == first
    assert report.videos.created == 0
    assert report.videos.updated == first["videos"]
    assert report.speakers.created == 0 and report.categories.created == 0
    with db.session(write=False) as session:
        assert {k: i for k, i in session.execute(select(Video.key, Video.id))} == video_ids
        # questions are matched by text, so users' answers to them survive a re-import
        assert sorted(session.scalars(select(WritingQuestion.id))) == question_ids


def test_reimport_updates_fields_and_replaces_children(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_file(db, write_catalog(tmp_path, minimal_catalog()), progress=False)
    video_id = video_id_by_key(db, "v1")
    assert ids_of(client.get("/videos", params={"q": "elephant"}).json()) == [video_id]

    changed = minimal_catalog(
        description="A giraffe story.",
        length=42,
        locales=["en-GB"],
        transcripts=[
            {
                "lang": "en",
                "srt": "1\n00:00:00,000 --> 00:00:01,000\nA brand new transcript.\n",
                "collocations": [{"text": "brand new", "usage_examples": ["A brand new car."]}],
            }
        ],
        writing_questions=["Q2?", "Q3?"],
    )
    changed["speakers"][0]["name"] = "Renamed Speaker"
    report = import_file(db, write_catalog(tmp_path, changed), progress=False)

    assert report.videos.updated == 1
    detail = client.get(f"/videos/{video_id}").json()
    assert detail["description"] == "A giraffe story."
    assert detail["length"] == 42
    assert detail["speaker"]["name"] == "Renamed Speaker"
    assert [t["text"] for t in detail["transcripts"]["records"]] == ["A brand new transcript."]
    collocation = detail["transcripts"]["records"][0]["collocations"]["records"][0]
    assert collocation["usage_examples"]["records"] == [{"text": "A brand new car."}]
    assert [q["text"] for q in detail["writing_questions"]["records"]] == ["Q2?", "Q3?"]
    assert ids_of(client.get("/videos", params={"q": "elephant"}).json()) == []
    assert ids_of(client.get("/videos", params={"q": "giraffe"}).json()) == [video_id]
    assert ids_of(client.get("/videos", params={"q": "renamed"}).json()) == [video_id]
    with db.session(write=False) as session:
        assert list(session.scalars(select(VideoLocale.locale))) == ["en-GB"]
        assert len(list(session.scalars(select(Speaker)))) == 1


def test_empty_lists_may_be_left_blank(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "blank.yaml"
    path.write_text(
        "categories:\n  - name: C\n    subcategories: [S]\nspeakers:\n  - key: k\n    name: K\n"
        "videos:\n  - key: v\n    speaker: k\n    subcategory: S\n    lang: en\n"
        "    transcripts:\n    writing_questions:\n    locales:\n",
        encoding="utf-8",
    )
    import_file(db, path, progress=False)
    assert table_counts(db)["videos"] == 1


def test_json_with_the_same_structure_imports(db: Database, tmp_path: Path) -> None:
    path = write_catalog(tmp_path, demo_data(), name="catalog.json")
    import_file(db, path, progress=False)
    assert table_counts(db) == expected_demo_counts()


def test_videos_may_refer_to_records_already_in_the_database(db: Database, tmp_path: Path) -> None:
    import_file(db, write_catalog(tmp_path, minimal_catalog()), progress=False)
    only_video = minimal_catalog(key="v2")
    del only_video["categories"], only_video["speakers"]
    import_file(db, write_catalog(tmp_path, only_video), progress=False)
    assert table_counts(db)["videos"] == 2


def test_subcategory_questions_and_progress_bar(db: Database, tmp_path: Path) -> None:
    data = minimal_catalog()
    data["categories"][0]["subcategories"] = [
        {"name": "Sub One", "writing_questions": ["Shared question?"]}
    ]
    import_file(db, write_catalog(tmp_path, data), progress=True)
    import_file(db, write_catalog(tmp_path, data), progress=True)
    with db.session(write=False) as session:
        shared = session.scalars(
            select(WritingQuestion.text).where(WritingQuestion.video_id.is_(None))
        ).all()
    assert shared == ["Shared question?"]


def broken(mutate: Any) -> dict[str, Any]:
    data = minimal_catalog()
    mutate(data)
    return data


MALFORMED: dict[str, tuple[Any, str]] = {
    "unknown speaker": (broken(lambda d: d["videos"][0].update(speaker="nobody")), "nobody"),
    "unknown subcategory": (
        broken(lambda d: d["videos"][0].update(subcategory="Nowhere")),
        "Nowhere",
    ),
    "missing key": (broken(lambda d: d["videos"][0].pop("key")), "videos[0]"),
    "bad lang": (broken(lambda d: d["videos"][0].update(lang="English")), "lang"),
    "negative length": (broken(lambda d: d["videos"][0].update(length=-1)), "length"),
    "unknown field": (broken(lambda d: d["videos"][0].update(colour="red")), "colour"),
    "two transcript sources": (
        broken(lambda d: d["videos"][0]["transcripts"][0].update(srt="x")),
        "exactly one",
    ),
    "srt without cues": (
        broken(lambda d: d["videos"][0]["transcripts"][0].update(text=None, srt="hi")),
        "srt",
    ),
    "duplicate video key": (
        broken(lambda d: d["videos"].append(dict(d["videos"][0]))),
        "duplicate video key",
    ),
    "duplicate subcategory": (
        broken(lambda d: d["categories"].append({"name": "B", "subcategories": ["Sub One"]})),
        "duplicate subcategory",
    ),
    "videos not a list": (broken(lambda d: d.update(videos="nope")), "videos"),
    "top level list": ([1, 2, 3], "mapping"),
    "key too long": (broken(lambda d: d["videos"][0].update(key="k" * 500)), "key"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_change_nothing(db: Database, tmp_path: Path, case: str) -> None:
    import_file(db, write_catalog(tmp_path, minimal_catalog(), "existing.yaml"), progress=False)
    before = table_counts(db)
    data, expected_message = MALFORMED[case]
    path = write_catalog(tmp_path, data)

    with pytest.raises(CatalogImportError) as raised:
        import_file(db, path, progress=False)

    assert expected_message in str(raised.value)
    assert "Traceback" not in str(raised.value)
    assert table_counts(db) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.yaml", "videos: [\n  - key: a\n", "invalid YAML"),
        ("bad.json", '{"videos": [}', "invalid JSON"),
        ("binary.yaml", None, "cannot read"),
    ],
)
def test_unparseable_files(
    db: Database, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes(b"\xff\xfe\x00garbage\x80")
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogImportError, match=message):
        import_file(db, path, progress=False)
    assert table_counts(db)["videos"] == 0


def test_missing_file(db: Database, tmp_path: Path) -> None:
    with pytest.raises(CatalogImportError, match="cannot read"):
        import_file(db, tmp_path / "absent.yaml", progress=False)


def run_cli(db: Database, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("GETNATIVE_DATABASE_URL", db.url)
    monkeypatch.setenv("GETNATIVE_ENV", "test")
    get_settings.cache_clear()
    try:
        return cli.main(list(argv))
    finally:
        get_settings.cache_clear()


def test_cli_reports_a_malformed_file_without_a_traceback(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_catalog(tmp_path, MALFORMED["unknown speaker"][0])
    assert run_cli(db, monkeypatch, "import", "--quiet", str(path)) == 1
    captured = capsys.readouterr()
    assert "getnative import:" in captured.err and "nobody" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert table_counts(db)["videos"] == 0


def test_cli_imports_and_demo_loads_only_into_an_empty_catalog(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(db, monkeypatch, "demo") == 0
    assert "demo catalog loaded" in capsys.readouterr().out
    assert run_cli(db, monkeypatch, "demo") == 0
    assert "not loaded" in capsys.readouterr().out
    assert run_cli(db, monkeypatch, "import", "--quiet", str(DEMO_CATALOG)) == 0
    assert "videos 19 (0 new, 19 updated)" in capsys.readouterr().out
    assert table_counts(db) == expected_demo_counts()


def test_reimport_moves_a_subcategory_to_its_new_category(db: Database, tmp_path: Path) -> None:
    import_file(db, write_catalog(tmp_path, minimal_catalog()), progress=False)
    moved = minimal_catalog()
    moved["categories"] = [{"name": "Other", "subcategories": ["Sub One"]}]
    import_file(db, write_catalog(tmp_path, moved), progress=False)
    counts = table_counts(db)
    assert (counts["categories"], counts["subcategories"]) == (2, 1)
    with db.session(write=False) as session:
        (name,) = session.execute(
            select(Category.name).join(Subcategory).where(Subcategory.name == "Sub One")
        ).one()
    assert name == "Other"
