from __future__ import annotations

from typing import Any


def job_body(ref: str = "J-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "ref": ref,
        "estate": "YG",
        "unit": "3栋2单元1201",
        "resident_name": "王女士",
        "resident_phone": "13800001234",
        "title": "厨房水管漏水",
        "erp_category": "给排水",
        "worker": "孙师傅",
        "completed_at": "2026-05-10T09:30:00+08:00",
        "charge": "50.00",
    }
    body.update(overrides)
    return body


def callback_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "role": "lead",
        "staff": "张伟",
        "channel": "on_site",
        "done_at": "2026-05-11T10:00:00+08:00",
        "inspected": True,
        "service_feedback": "师傅很准时",
        "suggestions": "提前电话告知",
        "charge_verified": True,
        "satisfaction": "satisfied",
    }
    body.update(overrides)
    return body
