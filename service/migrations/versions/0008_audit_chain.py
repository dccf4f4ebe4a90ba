"""The audit log becomes a hash chain per estate; signatures get their evidence hash

Every audit entry gains its chain (the estate's id; 0 for entries of no estate), its place in
it and the hashes (``service.domain.evidence``); ``audit_chain_heads`` holds each chain's last
entry. Entries written before this revision form chain 0 in the order they were written, their
residents' names and phone numbers sealed (a keyed hash) as new entries' are.
Signatures gain ``evidence_sha256`` (their image's hash, strokes and answers). The append-only
triggers are lifted for the backfill only.

Revision ID: 0008_audit_chain
Revises: 0007_resident_links_quota_draws
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.models
from service.domain import evidence as E
from service.usecases.audit import sealed

revision: str = "0008_audit_chain"
down_revision: str | None = "0007_resident_links_quota_draws"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = service.models.UTCDateTime
Text = sqlmodel.sql.sqltypes.AutoString


def _triggers(create: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
            if create:
                op.execute(
                    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
    elif create:
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "audit_log", sa.Column("prev_hash", Text(length=64), nullable=False, server_default="")
    )
    op.add_column(
        "audit_log", sa.Column("hash", Text(length=64), nullable=False, server_default="")
    )
    op.add_column("signatures", sa.Column("evidence_sha256", Text(length=64), nullable=True))
    heads = op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", Text(length=64), nullable=False),
        sa.Column("updated_at", Time(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    _triggers(create=False)
    conn = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", Time()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("chain", sa.Integer()),
        sa.column("seq", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    prev, seq = E.GENESIS, 0
    rows = conn.execute(
        sa.select(
            log.c.id,
            log.c.at,
            log.c.actor,
            log.c.action,
            log.c.entity,
            log.c.entity_id,
            log.c.detail,
        ).order_by(log.c.id)
    ).all()
    for row in rows:
        seq += 1
        detail = sealed(row.detail) if isinstance(row.detail, dict) else row.detail
        entry = E.Entry(
            id=row.id,
            chain=0,
            seq=seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            detail=detail,
            prev_hash=prev,
            hash="",
        )
        digest = E.entry_hash(prev, entry.content())
        conn.execute(
            sa.update(log)
            .where(log.c.id == row.id)
            .values(chain=0, seq=seq, prev_hash=prev, hash=digest, detail=detail)
        )
        prev = digest
    if seq:
        op.bulk_insert(
            heads, [{"chain": 0, "seq": seq, "hash": prev, "updated_at": service.models.utcnow()}]
        )
    signatures = sa.table(
        "signatures",
        sa.column("id", sa.Integer()),
        sa.column("job_id", sa.Integer()),
        sa.column("taken_on", sa.String()),
        sa.column("signer_name", sa.String()),
        sa.column("signed_at", Time()),
        sa.column("refused", sa.Boolean()),
        sa.column("refuse_reason", sa.String()),
        sa.column("satisfaction", sa.String()),
        sa.column("comment", sa.String()),
        sa.column("charge_disputed", sa.Boolean()),
        sa.column("charge_note", sa.String()),
        sa.column("png", sa.LargeBinary()),
        sa.column("strokes", sa.JSON()),
        sa.column("evidence_sha256", sa.String()),
    )
    for sig in conn.execute(sa.select(signatures)).all():
        answers = {
            "job_id": sig.job_id,
            "taken_on": sig.taken_on,
            "signer_name": sig.signer_name,
            "signed_at": E.moment_text(sig.signed_at),
            "refused": bool(sig.refused),
            "refuse_reason": sig.refuse_reason,
            "satisfaction": sig.satisfaction,
            "comment": sig.comment,
            "charge_disputed": bool(sig.charge_disputed),
            "charge_note": sig.charge_note,
        }
        png_sha = E.sha256_hex(sig.png) if sig.png is not None else None
        conn.execute(
            sa.update(signatures)
            .where(signatures.c.id == sig.id)
            .values(
                evidence_sha256=E.signature_evidence(
                    png_sha256=png_sha, strokes=sig.strokes, answers=answers
                )
            )
        )
    op.create_index("ix_audit_log_chain_seq", "audit_log", ["chain", "seq"], unique=True)
    _triggers(create=True)


def downgrade() -> None:
    _triggers(create=False)
    op.drop_index("ix_audit_log_chain_seq", table_name="audit_log")
    op.drop_table("audit_chain_heads")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("evidence_sha256")
    with op.batch_alter_table("audit_log") as batch:
        for name in ("hash", "prev_hash", "seq", "chain"):
            batch.drop_column(name)
    _triggers(create=True)
