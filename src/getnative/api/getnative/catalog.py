"""Get Native routes: catalog."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
