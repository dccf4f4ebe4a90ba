from datetime import UTC, datetime

from sqlmodel import Session, func, select

from service.demo import load_demo
from service.models import Callback, Estate, Job, Rectification
from service.usecases.compliance import compliance


def test_demo_data_is_realistic(engine):
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    with Session(engine) as session:
        summary = load_demo(session, now=now)
        assert summary.estates >= 2 and 250 <= summary.jobs <= 350
        assert {e.timezone for e in session.exec(select(Estate)).all()} >= {"Asia/Shanghai"}
        roles = set(session.exec(select(Callback.role)).all())
        assert roles == {"manager", "supervisor", "lead"}
        late = session.exec(
            select(func.count()).select_from(Job).where(Job.first_callback_at > Job.deadline)
        ).one()
        unsatisfied = session.exec(
            select(func.count()).select_from(Callback).where(Callback.satisfaction == "unsatisfied")
        ).one()
        rectifications = session.exec(select(func.count()).select_from(Rectification)).one()
        assert late > 0 and unsatisfied > 0 and rectifications > 0
        titles = session.exec(select(Job.title)).all()
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles)
        months = {j.completed_at.strftime("%Y-%m") for j in session.exec(select(Job)).all()}
        assert len(months) >= 3
        _, figures = compliance(session=session, estate_code="YGHY", period="2026-11", as_of=now)
        assert figures.jobs > 0 and figures.roles
