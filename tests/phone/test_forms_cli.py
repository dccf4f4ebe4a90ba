"""`huifang forms --estate E --date D`: the day's completed jobs (estate time), a page each."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlmodel import Session
from typer.testing import CliRunner

from service.cli import app
from service.config import get_settings
from service.db import get_engine, migrate
from service.schemas import CallbackIn, EstateIn, JobIn
from service.usecases.callbacks import record_callback
from service.usecases.estates import put_estate
from service.usecases.jobs import upsert_job

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("HUIFANG_DATABASE_URL", f"sqlite:///{tmp_path / 'forms.db'}")
    monkeypatch.setenv("HUIFANG_PUBLIC_BASE_URL", "https://wy.example.com")
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = get_engine()
    migrate(engine)
    with Session(engine) as session:
        put_estate(session=session, code="YGHY", estate_in=EstateIn(name="阳光花园"), actor="t")
        for ref, local in (
            ("late-on-18th", datetime(2026, 5, 18, 23, 59, tzinfo=SHANGHAI)),
            ("a-19th", datetime(2026, 5, 19, 0, 30, tzinfo=SHANGHAI)),  # 18th in UTC
            ("b-19th", datetime(2026, 5, 19, 17, 0, tzinfo=SHANGHAI)),
            ("early-20th", datetime(2026, 5, 20, 0, 0, tzinfo=SHANGHAI)),
        ):
            upsert_job(
                session=session,
                actor="t",
                job_in=JobIn(ref=ref, estate="YGHY", title="门锁更换", completed_at=local),
            )
    yield tmp_path
    engine.dispose()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_forms_writes_one_page_per_job_of_that_local_day(database):
    out = database / "day.pdf"
    result = CliRunner().invoke(
        app, ["forms", "--estate", "YGHY", "--date", "2026-05-19", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = pdfium.PdfDocument(out.read_bytes())
    assert len(doc) == 2
    refs = []
    for page in doc:
        urls = [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
        assert len(urls) == 2 and all(u.startswith("https://wy.example.com/") for u in urls)
        refs.append(urls[0].rsplit("/", 1)[1].split(".")[1])
    assert refs == ["a-19th", "b-19th"]


def test_forms_a5_landscape(database):
    out = database / "a5.pdf"
    result = CliRunner().invoke(
        app,
        ["forms", "--estate", "YGHY", "--date", "2026-05-20", "--out", str(out), "--size", "a5"],
    )
    assert result.exit_code == 0, result.output
    page = pdfium.PdfDocument(out.read_bytes())[0]
    width, height = page.get_size()
    assert width > height


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--estate", "YGHY", "--date", "2026-05-21"], 1, "No repairs"),
        (["--estate", "NOPE", "--date", "2026-05-19"], 1, "not found"),
        (["--estate", "YGHY", "--date", "19/05/2026"], 2, "YYYY-MM-DD"),
        (["--estate", "YGHY", "--date", "2026-05-19", "--size", "letter"], 2, "A4"),
    ],
)
def test_forms_explains_what_is_wrong(database, args, code, words):
    result = CliRunner().invoke(app, ["forms", *args])
    assert result.exit_code == code
    assert words in result.output


def _problems_found(refs_and_times):
    with Session(get_engine()) as session:
        for ref, local in refs_and_times:
            record_callback(
                session=session,
                ref=ref,
                now=datetime(2026, 5, 21, tzinfo=SHANGHAI),
                actor="t",
                cb_in=CallbackIn(
                    role="lead", staff="张伟", channel="on_site", done_at=local, problems="锁芯松动"
                ),
            )


def test_notices_prints_the_days_rectification_notices_with_their_qr(database):
    _problems_found(
        [
            ("a-19th", datetime(2026, 5, 19, 9, 0, tzinfo=SHANGHAI)),
            ("b-19th", datetime(2026, 5, 19, 23, 30, tzinfo=SHANGHAI)),
            ("early-20th", datetime(2026, 5, 20, 0, 30, tzinfo=SHANGHAI)),
        ]
    )
    out = database / "notices.pdf"
    result = CliRunner().invoke(
        app, ["notices", "--estate", "YGHY", "--date", "2026-05-19", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 rectification notice(s)" in result.output
    doc = pdfium.PdfDocument(out.read_bytes())
    assert len(doc) == 2
    for page, ref in zip(doc, ("a-19th", "b-19th"), strict=True):
        assert ref in page.get_textpage().get_text_range()
        (code,) = zxingcpp.read_barcodes(page.render(scale=3).to_pil())
        assert code.text.startswith("https://wy.example.com/w/")
    empty = CliRunner().invoke(app, ["notices", "--estate", "YGHY", "--date", "2026-05-18"])
    assert empty.exit_code == 1 and "No rectifications" in empty.output
