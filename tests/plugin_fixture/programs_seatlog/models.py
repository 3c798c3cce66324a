"""The plugin's table. Its schema is created by its own migration, not by ``create_all``."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel, select


class SeatlogEntry(SQLModel, table=True):
    __tablename__ = "seatlog_entry"

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=20)
    program_slug: str = Field(max_length=100)
    # A real foreign key: erasing a participant fails unless the plugin erases its rows.
    participant_id: int = Field(foreign_key="participant.id", index=True)
    participant_name: str = Field(max_length=200)


def entries_of(db: Session, participant_id: int | None) -> list[SeatlogEntry]:
    query = select(SeatlogEntry).where(SeatlogEntry.participant_id == participant_id)
    return list(db.exec(query.order_by(SeatlogEntry.id)))  # type: ignore[arg-type]


def all_entries(db: Session) -> list[SeatlogEntry]:
    return list(db.exec(select(SeatlogEntry).order_by(SeatlogEntry.id)))  # type: ignore[arg-type]
