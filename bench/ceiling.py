"""The ceiling: the same server stack (uvicorn, Starlette, our middleware, FastAPI) answering a
fixed JSON body with no database. Benchmarks report each endpoint as a ratio of this."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from getnative.config import Settings
from getnative.web.app import _middleware
from getnative.web.container import Container

FIXED_BODY: dict[str, Any] = {
    "count": 9,
    "records": [
        {
            "id": 1_000_000 - i,
            "created_at": "Sat Dec 14 04:35:55 +0000 2015",
            "lang": "en",
            "description": "business meeting card train station ticket holiday parents school",
            "speaker": {"id": 7, "name": "Speaker 7", "description": "A native speaker."},
            "subcategory": {"id": 3, "name": "Greeting Co-Workers", "category_id": 1},
            "loop_count": 7156,
            "loop_velocity": None,
            "thumbnail_image_url": "https://static.example.com/v/1.jpg",
            "picture_url": "https://static.example.com/v/1.jpg",
            "video_url": "https://static.example.com/v/1.mp4",
            "length": 68,
            "like_count": 3,
            "cued": None,
            "liked": None,
        }
        for i in range(9)
    ],
}


def create_ceiling_app() -> Starlette:
    settings = Settings()
    container = Container.from_settings(settings)
    api = FastAPI()

    @api.get("/videos")
    def videos() -> dict[str, Any]:
        return FIXED_BODY

    return Starlette(routes=[Mount("/", app=api)], middleware=_middleware(container))
