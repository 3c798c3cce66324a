"""A practice of several coaches: programs, follow-ups and tracks belong to a coach (each
coach's calendar feed is tested in tests/test_ical_practice.py)."""

from __future__ import annotations

from cli_support import ok, plan, rows, snapshot


def practice(run) -> None:  # type: ignore[no-untyped-def]
    ok(run("coach", "set", "--name", "Claire Dubois", "--email", "claire@example.org"))
    ok(run("coach", "add", "--name", "Marc Petit", "--email", "Marc.Petit@example.org"))
    ok(run("create", "marseille-2026", "--title", "Marseille", "--tz", "Europe/Paris"))
    ok(run("create", "lyon-2027", "--title", "Lyon", "--coach", "marc.petit@example.org"))
    ok(run("session", "add", "marseille-2026", "--start", "2026-12-03 09:00", "--end", "17:00"))
    ok(run("session", "add", "lyon-2027", "--start", "2027-01-20 09:00", "--end", "17:00"))
    ok(run("participant", "add", "S. Martin", "--email", "s.martin@example.com"))


def test_programs_followups_and_tracks_belong_to_the_coach_named(run, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    practice(run)
    plan(run, "S. Martin", "call", "2026-12-10 18:00", coach="Marc Petit")
    ok(run("track", "open", "S. Martin", "--goal", "lead the team", "--coach", "2"))
    assert rows(sqlite_url, "SELECT slug, coach_id FROM program ORDER BY slug") == [
        ("lyon-2027", 2),
        ("marseille-2026", 1),
    ]
    assert rows(sqlite_url, "SELECT coach_id FROM followup") == [(2,)]
    assert rows(sqlite_url, "SELECT coach_id FROM track") == [(2,)]
    assert "coach:    Marc Petit" in ok(run("show", "lyon-2027")).stdout
    assert "coach:    Claire Dubois" in ok(run("show", "marseille-2026")).stdout


def test_an_unknown_coach_is_a_one_line_error_and_nothing_is_written(run, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    practice(run)
    before = snapshot(sqlite_url)
    for args in (
        ("create", "paris", "--title", "Paris", "--coach", "nobody"),
        (
            "followup",
            "add",
            "S. Martin",
            "--kind",
            "call",
            "--at",
            "2026-12-10 18:00",
            "--coach",
            "99",
        ),
        ("track", "open", "S. Martin", "--goal", "x", "--coach", "nobody@example.org"),
    ):
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("Error: no coach") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
    assert snapshot(sqlite_url) == before
