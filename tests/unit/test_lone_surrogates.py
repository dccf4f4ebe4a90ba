"""A lone surrogate (JSON's ``\\ud800``) is no character: text holding one is refused, in a
one-line field and in a field of lines alike, wherever it stands; real characters pass."""

from __future__ import annotations

import pytest

from service.schemas.text import lines, one_line


@pytest.mark.parametrize("check", [one_line, lines])
@pytest.mark.parametrize("text", ["\ud800", "漏水\udfff", "a\udbffb", "\udc00 5栋"])
def test_a_lone_surrogate_is_refused(check, text):
    with pytest.raises(ValueError, match="lone surrogate"):
        check(text)


@pytest.mark.parametrize("check", [one_line, lines])
@pytest.mark.parametrize("text", ["", "plain", "5栋厨房水管漏水", "emoji 🔧 ok", "\ue000"])
def test_characters_pass(check, text):
    assert check(text) == text


def test_the_api_refuses_a_lone_surrogate_sent_escaped(client):
    """(The JSON parser refuses it before the field's rule: either way a 422 naming it.)"""
    assert client.put("/api/v1/estates/YG", json={"name": "阳光花园"}).status_code == 201
    body = '{"ref": "J-1", "estate": "YG", "completed_at": "2026-05-10T09:30:00+08:00",'
    body += ' "title": "\\ud800"}'
    response = client.post(
        "/api/v1/jobs", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422 and "title" in response.json()["detail"]
