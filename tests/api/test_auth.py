import pytest


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dGVzdA=="},
        {"Authorization": "Bearer"},
    ],
)
def test_no_or_wrong_key_is_401_before_anything_else(client, headers):
    client.headers.pop("Authorization")
    for method, path, kwargs in [
        ("get", "/api/v1/estates/NOPE", {}),
        ("post", "/api/v1/jobs", {"content": b"{not json"}),
        ("put", "/api/v1/estates/X", {"json": {"timezone": "Mars/Base"}}),
        ("get", "/api/v1/compliance", {}),
        ("get", "/api/v1/no-such-route", {}),
    ]:
        response = getattr(client, method)(path, headers=headers, **kwargs)
        assert response.status_code == 401, (path, response.text)
        assert "API key" in response.json()["detail"]


def test_docs_are_served_without_a_key(client):
    client.headers.pop("Authorization")
    assert client.get("/docs").status_code == 200
    assert "/api/v1/jobs" in client.get("/openapi.json").json()["paths"]
