"""Jinja2 environment shared by every page, with the translation helper built in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..catalogue import LANGS, pick_lang, t

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
LANG_COOKIE = "huifang_lang"


def request_lang(request: Request) -> str:
    return pick_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
    )


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = context.pop("lang", None) or request_lang(request)
    other = LANGS[1] if lang == LANGS[0] else LANGS[0]
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "other_lang": other,
            "html_lang": "zh-CN" if lang == "zh_CN" else "en",
            "_": lambda key, **values: t(key, lang, **values),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response
