"""Edge cases from review: odd but possible input gets a readable 4xx, never a 500."""

import pytest

from .helpers import callback_body, job_body


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"completed_at": 1714521600}, "completed_at: must be an ISO 8601 time"),
        ({"completed_at": "0001-01-01T00:00:00+08:00"}, "out of range"),
        ({"completed_at": "9999-12-31T20:00:00+00:00"}, "out of range"),
        ({"charge": "1e2"}, "charge"),
        ({"charge": "1_000"}, "charge"),
        ({"charge": " 5 "}, "charge"),
        ({"charge": "５"}, "charge"),
        ({"charge": "-0"}, "charge"),
        ({"charge": 0.1 + 0.2}, "charge"),
        ({"charge": True}, "charge"),
        ({"ref": "X\u0000"}, "ref"),
        ({"title": "a\u0000b"}, "title: control characters"),
        ({"worker": "孙师傅\n马师傅"}, "worker"),
    ],
)
def test_odd_job_input_is_422(client, estate, overrides, fragment):
    response = client.post("/api/v1/jobs", json=job_body(**overrides))
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("charge", "stored"), [("12.5", "12.50"), ("50", "50.00"), ("0.10", "0.10")]
)
def test_money_as_a_decimal_string_with_two_decimals_at_most_is_taken(
    client, estate, charge, stored
):
    response = client.post("/api/v1/jobs", json=job_body(charge=charge))
    assert response.status_code == 201 and response.json()["charge"] == stored


@pytest.mark.parametrize("charge", [12.5, 50, 0.1])
def test_money_as_a_json_number_is_refused_saying_to_send_a_string(client, estate, charge):
    response = client.post("/api/v1/jobs", json=job_body(charge=charge))
    assert response.status_code == 422
    assert 'charge: must be a decimal string such as "12.50"' in response.json()["detail"]


def test_problems_may_span_lines_but_hold_no_nul(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    ok = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="渗水\n未清理"))
    assert ok.status_code == 201
    bad = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="x\u0000"))
    assert bad.status_code == 422 and "problems" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/jobs/a%00b", 404),
        ("get", "/api/v1/jobs?estate=a%00b", 422),  # a control character in a filter
        ("get", "/api/v1/jobs?estate=NOPE", 404),
        ("get", "/api/v1/estates/a%00b", 404),
        ("put", "/api/v1/estates/a%00b", 422),
        ("put", "/api/v1/estates/%E4%B8%9C%E5%8C%BA", 422),  # 东区: codes are identifiers
        ("put", "/api/v1/estates/E%5B1%5D", 422),
        ("put", "/api/v1/estates/%20YG", 422),
        ("get", "/api/v1/jobs?offset=99999999999999999999", 422),
        ("get", "/api/v1/estates?offset=99999999999999999999", 422),
        ("post", "/api/v1/rectifications/2147483648/close", 422),
        ("get", "/api/v1/compliance?estate=YG&as_of=1714521600", 422),
        ("get", "/api/v1/compliance?estate=YG&as_of=0001-01-01T00:00:00%2B14:00", 422),
        ("get", "/api/v1/compliance?estate=YG&as_of=9999-12-31T23:00:00-10:00", 422),
    ],
)
def test_odd_paths_and_queries(client, estate, method, path, status):
    kwargs = {"json": {"done_at": "2026-05-12T08:00:00+08:00"}} if method == "post" else {}
    if method == "put":
        kwargs = {"json": {}}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["detail"], str)


def test_host_dependent_timezone_aliases_are_refused(client):
    for name in ("localtime", "posixrules"):
        response = client.put("/api/v1/estates/X", json={"timezone": name})
        assert response.status_code == 422, name
    assert client.put("/api/v1/estates/X", json={"timezone": "Etc/GMT+5"}).status_code == 201


def test_empty_filters_are_no_filter(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    page = client.get("/api/v1/jobs?estate=&status=&period=")
    assert page.status_code == 200 and page.json()["count"] == 1


def test_the_callbacks_of_a_job_page_too(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    for hour in (10, 11, 12):
        client.post(
            "/api/v1/jobs/J-1/callbacks",
            json=callback_body(done_at=f"2026-05-11T{hour}:00:00+08:00"),
        )
    page = client.get("/api/v1/jobs/J-1/callbacks?limit=1&offset=1").json()
    assert page["count"] == 3 and [c["done_at"] for c in page["data"]] == [
        "2026-05-11T11:00:00+08:00"
    ]


def test_a_closed_rectification_answers_in_the_estate_offset(client, estate):
    client.post("/api/v1/jobs", json=job_body())
    rid = client.post("/api/v1/jobs/J-1/callbacks", json=callback_body(problems="渗水")).json()[
        "rectification_id"
    ]
    body = client.post(
        f"/api/v1/rectifications/{rid}/close", json={"done_at": "2026-05-11T20:00:00-05:00"}
    ).json()
    assert body["fixed_at"] == "2026-05-12T09:00:00+08:00"
    assert body["notice_due_at"] == "2026-05-12T10:00:00+08:00"


def test_without_a_period_compliance_is_for_the_current_month_whatever_as_of(client, estate):
    body = client.get("/api/v1/compliance?estate=YG&as_of=2026-01-15T00:00:00Z").json()
    assert body["period"] == "2026-05"  # the clock is fixed in May 2026
