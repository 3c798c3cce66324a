"""In a practice, each coach gets a calendar feed of their own: ``--coach [COACH]``."""

from __future__ import annotations

import vobject
from cli_support import ok, snapshot
from test_cli_practice import practice


def test_each_coach_has_a_feed_of_their_own(run) -> None:  # type: ignore[no-untyped-def]
    from test_ical_support import forget_vobject_timezones

    practice(run)
    forget_vobject_timezones()
    mine = vobject.readOne(ok(run("ical", "export", "--coach", "-o", "-")).stdout)
    marc = vobject.readOne(ok(run("ical", "export", "--coach", "Marc Petit", "-o", "-")).stdout)
    assert [e.summary.value for e in mine.vevent_list] == ["Marseille"]
    assert [e.summary.value for e in marc.vevent_list] == ["Lyon"]
    assert "Marc.Petit@example.org" in marc.vevent_list[0].organizer.value


def test_an_unknown_coach_has_no_feed(run, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    practice(run)
    before = snapshot(sqlite_url)
    result = run("ical", "link", "--coach", "nobody")
    assert result.exit_code == 1
    assert result.stderr == "Error: no coach 'nobody' (see `programs coach list`)\n"
    assert snapshot(sqlite_url) == before  # no token issued
