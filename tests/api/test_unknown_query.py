"""A query parameter a route does not take is refused (422, naming it), as an unknown body
field is: ``?estat=YG`` must not list every estate's jobs."""

from __future__ import annotations


def test_an_unknown_query_parameter_is_refused_by_name(client, now):
    assert client.put("/api/v1/estates/YG", json={"name": "阳光花园"}).status_code == 201
    job = {"ref": "J-1", "estate": "YG", "completed_at": now.isoformat()}
    assert client.post("/api/v1/jobs", json=job).status_code == 201
    listed = client.get("/api/v1/jobs", params={"estat": "YG"})
    assert listed.status_code == 422
    assert ["query", "estat"] in [error["loc"] for error in listed.json()["errors"]]
    one = client.get("/api/v1/jobs/J-1", params={"fields": "ref"})
    assert one.status_code == 422 and "detail" in one.json()
    assert client.get("/api/v1/jobs", params={"estate": "YG"}).status_code == 200
    assert client.get("/api/v1/jobs/J-1").status_code == 200
