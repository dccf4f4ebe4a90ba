"""Role counts read once: estates.jobs_token

Each write that adds jobs to an estate or moves one between its months gives the estate a new
random token; the role counts of an estate-month read at one token still hold while it stays
(``usecases.jobs.create_jobs``), so a first sync of many pages does not count the month's
jobs again for every page. Estates start without one (nothing read yet).

Revision ID: 0015_estate_jobs_token
Revises: 0014_request_keys_age
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_estate_jobs_token"
down_revision: str | None = "0014_request_keys_age"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("estates") as batch_op:
        batch_op.add_column(sa.Column("jobs_token", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("estates") as batch_op:
        batch_op.drop_column("jobs_token")
