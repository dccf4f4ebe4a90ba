"""The landing page (``/``): what Huifang is, sign-in, and from there the right page for each
role; the API documentation and the health check for those who integrate or run it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .auth import UserDep
from .templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def landing(request: Request, user: UserDep) -> Response:
    return render(request, "landing.html", user=user)
