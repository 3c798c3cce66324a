"""Participants get a given name and a family name; existing names are split.

The full name stays in ``participant.name`` (people are found by it). Each existing name is
split as ``programs.names.split_name`` does today: the last word is the family name, with the
particles before it ("de La Fontaine", "van Beethoven"); the words before are the given
names. The split is copied here, not imported: a migration must do tomorrow what it does
today, whatever the code becomes. The coach can fix a split afterwards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PARTICLES = frozenset(
    ("de", "d'", "du", "des", "la", "le", "les", "l'", "van", "von", "der", "den", "ter",
     "ten", "zu", "vom", "di", "da", "del", "della", "dei", "dos", "das", "do", "y", "ben",
     "bin", "ibn", "bint", "al", "el", "abu", "mac", "mc", "o'", "st.", "saint", "sainte")
)  # fmt: skip


def split(full: str) -> tuple[str | None, str | None]:
    words = full.split()
    if not words:
        return None, None
    if len(words) == 1:
        return None, words[0]
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("given_name", sa.String(), nullable=True))
        batch.add_column(sa.Column("family_name", sa.String(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM participant")).all()
    update = sa.text("UPDATE participant SET given_name = :g, family_name = :f WHERE id = :id")
    batch_rows = []
    for pid, name in rows:
        given, family = split(name or "")
        batch_rows.append({"id": pid, "g": given, "f": family})
        if len(batch_rows) >= 1000:
            bind.execute(update, batch_rows)
            batch_rows = []
    if batch_rows:
        bind.execute(update, batch_rows)


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("family_name")
        batch.drop_column("given_name")
