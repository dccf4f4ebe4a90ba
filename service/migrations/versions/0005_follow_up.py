"""Every answer followed through: phone attempts, the job's answer, rectification lifecycle

- estates gain their follow-up settings (reminders, escalation, calls before a visit, fix
  hours, late entries, the repeat-repair window);
- jobs gain their answer (the resident's latest, else the staff's latest), their call counts
  and the link to an earlier repair of the same unit; the per-callback answer counts go (the
  figures count jobs by their answer now);
- ``phone_attempts`` is new;
- rectifications become the regulation's lifecycle: ``problems``/``due_at``/``done_at``/
  ``resolution`` are now ``problem``/``notice_due_at``/``fixed_at``/``fix_note``, and existing
  ones become ``notified`` or ``fixed`` as their data says (notified when Odoo took the notice,
  else at the finding: the paper form told staff to hand it over);
- signatures (the resident's confirmations) can carry a disputed charge;
- callbacks keep when the service recorded them and who did (a late entry is flagged), and the
  reached call a phone callback followed.

Revision ID: 0005_follow_up
Revises: 0003_phone, 0004_cover_assigned_role, 0101_odoo_link
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.models

revision: str = "0005_follow_up"
down_revision: str | Sequence[str] | None = (
    "0003_phone",
    "0004_cover_assigned_role",
    "0101_odoo_link",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVER = "ix_jobs_estate_completed_cover"
COVER_BEFORE = [
    "estate_id",
    "completed_at",
    "state",
    "deadline",
    "first_callback_at",
    "cb_manager",
    "cb_supervisor",
    "cb_lead",
    "sat_satisfied",
    "sat_fairly_satisfied",
    "sat_unsatisfied",
    "assigned_role",
    "id",
]
COVER_AFTER = [
    *COVER_BEFORE[:8],
    "answer",
    "calls",
    "calls_reached",
    "assigned_role",
    "id",
]
FOLLOW_UP = {
    "reminder_hours_before": 24,
    "escalation_step_hours": 24,
    "phone_attempts_before_visit": 3,
    "rectification_fix_hours": 72,
    "late_entry_hours": 24,
    "repeat_window_days": 30,
}
Time = service.models.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("estates") as batch:
        for name, default in FOLLOW_UP.items():
            batch.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=str(default))
            )

    _jobs()
    _phone_attempts()
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(
            sa.Column("charge_disputed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("charge_note", Text(), nullable=True))
    _rectifications()


def _jobs() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(COVER)
        batch.add_column(sa.Column("answer", Text(length=20), nullable=True))
        batch.add_column(sa.Column("answer_source", Text(length=16), nullable=True))
        for name in ("calls", "calls_reached", "failed_calls"):
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_call_at", Time(), nullable=True))
        batch.add_column(sa.Column("last_call_outcome", Text(length=16), nullable=True))
        batch.add_column(sa.Column("repeat_of_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("followed_by_repeat", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_foreign_key("fk_jobs_repeat_of_id_jobs", "jobs", ["repeat_of_id"], ["id"])
    # The job's answer: the resident's latest confirmation with one, else the latest callback.
    op.execute(
        """
        UPDATE jobs SET
          answer = COALESCE(
            (SELECT s.satisfaction FROM signatures s
              WHERE s.job_id = jobs.id AND s.taken_on = 'resident' AND s.satisfaction IS NOT NULL
              ORDER BY s.signed_at DESC, s.id DESC LIMIT 1),
            (SELECT c.satisfaction FROM callbacks c
              WHERE c.job_id = jobs.id AND c.satisfaction IS NOT NULL
              ORDER BY c.done_at DESC, c.id DESC LIMIT 1)),
          answer_source = CASE
            WHEN EXISTS (SELECT 1 FROM signatures s WHERE s.job_id = jobs.id
                         AND s.taken_on = 'resident' AND s.satisfaction IS NOT NULL)
              THEN 'resident'
            WHEN EXISTS (SELECT 1 FROM callbacks c WHERE c.job_id = jobs.id
                         AND c.satisfaction IS NOT NULL)
              THEN 'staff'
          END
        """
    )
    with op.batch_alter_table("jobs") as batch:
        for name in ("sat_satisfied", "sat_fairly_satisfied", "sat_unsatisfied"):
            batch.drop_column(name)
        batch.create_index(COVER, COVER_AFTER)
        batch.create_index("ix_jobs_unit_repeat", ["estate_id", "unit", "category", "completed_at"])


def _phone_attempts() -> None:
    op.create_table(
        "phone_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff", Text(length=100), nullable=False),
        sa.Column("role", Text(length=16), nullable=False),
        sa.Column("at", Time(), nullable=False),
        sa.Column("outcome", Text(length=16), nullable=False),
        sa.Column("next_at", Time(), nullable=True),
        sa.Column("note", Text(), nullable=True),
        sa.Column("created_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phone_attempts_job_id", "phone_attempts", ["job_id"])
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("attempt_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recorded_at", Time(), nullable=True))
        batch.add_column(sa.Column("recorded_by", Text(length=100), nullable=True))
        batch.create_foreign_key(
            "fk_callbacks_attempt_id_phone_attempts", "phone_attempts", ["attempt_id"], ["id"]
        )
    op.execute("UPDATE callbacks SET recorded_at = created_at")  # when the service got it
    with op.batch_alter_table("callbacks") as batch:
        batch.alter_column("recorded_at", existing_type=Time(), nullable=False)


def _rectifications() -> None:
    with op.batch_alter_table("rectifications") as batch:
        batch.alter_column("problems", new_column_name="problem")
        batch.alter_column("due_at", new_column_name="notice_due_at")
        batch.alter_column("done_at", new_column_name="fixed_at")
        batch.alter_column("resolution", new_column_name="fix_note")
        batch.alter_column("callback_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("confirmation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", Text(length=16), nullable=True))
        batch.add_column(sa.Column("found_by", Text(length=100), nullable=True))
        batch.add_column(sa.Column("state", Text(length=12), nullable=True))
        batch.add_column(sa.Column("opened_at", Time(), nullable=True))
        batch.add_column(sa.Column("notified_at", Time(), nullable=True))
        batch.add_column(sa.Column("notified_via", Text(length=12), nullable=True))
        batch.add_column(sa.Column("ack_nonce", Text(length=16), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", Time(), nullable=True))
        batch.add_column(sa.Column("dispute", Text(), nullable=True))
        batch.add_column(sa.Column("fix_due_at", Time(), nullable=True))
        batch.add_column(sa.Column("verified_at", Time(), nullable=True))
        batch.add_column(sa.Column("verified_by", Text(length=100), nullable=True))
        batch.add_column(sa.Column("verify_note", Text(), nullable=True))
        batch.create_foreign_key(
            "fk_rectifications_confirmation_id_signatures",
            "signatures",
            ["confirmation_id"],
            ["id"],
        )
    _fill_rectifications()
    with op.batch_alter_table("rectifications") as batch:
        for name, kind in (
            ("source", Text(length=16)),
            ("found_by", Text(length=100)),
            ("state", Text(length=12)),
            ("opened_at", Time()),
            ("ack_nonce", Text(length=16)),
            ("fix_due_at", Time()),
        ):
            batch.alter_column(name, existing_type=kind, nullable=False)
        batch.create_unique_constraint("uq_rectifications_ack_nonce", ["ack_nonce"])
        batch.create_index("ix_rectifications_state", ["state"])
        batch.create_index("ix_rectifications_confirmation_id", ["confirmation_id"])


def _fill_rectifications() -> None:
    conn = op.get_bind()
    time = Time()
    rows = conn.execute(
        sa.text(
            "SELECT r.id, r.notice_due_at, r.fixed_at, c.done_at, c.staff,"
            " e.rectification_fix_hours FROM rectifications r JOIN jobs j ON j.id = r.job_id"
            " JOIN estates e ON e.id = j.estate_id"
            " LEFT JOIN callbacks c ON c.id = r.callback_id"
        ).columns(
            sa.column("id", sa.Integer()),
            sa.column("notice_due_at", time),
            sa.column("fixed_at", time),
            sa.column("done_at", time),
            sa.column("staff", sa.String()),
            sa.column("rectification_fix_hours", sa.Integer()),
        )
    ).all()
    sent = {}
    if sa.inspect(conn).has_table("odoo_outbox"):
        outbox = conn.execute(
            sa.text("SELECT key, sent_at FROM odoo_outbox WHERE status = 'sent'").columns(
                sa.column("key", sa.String()), sa.column("sent_at", time)
            )
        )
        sent = {key: at for key, at in outbox if at is not None}
    update = sa.text(
        "UPDATE rectifications SET source = 'problems', found_by = :found_by, state = :state,"
        " opened_at = :opened_at, notified_at = :notified_at, notified_via = :via,"
        " ack_nonce = :nonce, fix_due_at = :fix_due_at WHERE id = :id"
    ).bindparams(
        sa.bindparam("opened_at", type_=time),
        sa.bindparam("notified_at", type_=time),
        sa.bindparam("fix_due_at", type_=time),
    )
    for rid, notice_due_at, fixed_at, done_at, staff, fix_hours in rows:
        opened_at = done_at or notice_due_at - timedelta(hours=24)
        delivered = sent.get(f"rectification:{rid}")
        conn.execute(
            update,
            {
                "id": rid,
                "found_by": staff or "—",
                "state": "fixed" if fixed_at is not None else "notified",
                "opened_at": opened_at.astimezone(UTC),
                "notified_at": (delivered or opened_at).astimezone(UTC),
                "via": "odoo" if delivered else "paper",
                "nonce": secrets.token_urlsafe(9)[:12],
                "fix_due_at": (opened_at + timedelta(hours=fix_hours)).astimezone(UTC),
            },
        )


def downgrade() -> None:
    raise NotImplementedError("0005_follow_up cannot be undone: restore a backup instead")
