"""Capacity holds when separate OS processes enroll at the same moment.

Eight processes each enroll one person in a program with 3 seats, on a SQLite file (the write
transaction starts with BEGIN IMMEDIATE) and on PostgreSQL (the program row is locked with
SELECT ... FOR UPDATE). Every process waits for a common "go", and holds its transaction open
a little after enrolling, so that without the lock they would all see three free seats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from itertools import pairwise

import pytest

from programs.app import App
from programs.domain.base import get_program
from programs.domain.enrollment import roster, waitlist, withdraw
from programs.domain.participant import add_participant, find_person
from programs.domain.program import create_program

SLUG = "marseille-2026"
PROCESSES = 8
CAPACITY = 3
HOLD_SECONDS = 0.05

ENROLL = """
import json, sys, time
url, slug, name, hold = sys.argv[1:5]
import pluggy
from programs import hookspecs
from programs.app import App
from programs.config import Config
from programs.domain.enrollment import enroll
from programs.domain.participant import find_person
from programs.domain.base import get_program
from programs.errors import ProgramsError

pm = pluggy.PluginManager("programs")
pm.add_hookspecs(hookspecs)
app = App(url, config=Config({}), pm=pm)
with app.read() as db:  # schema check, imports and first connection done before "go"
    get_program(db, slug)
print("ready", flush=True)
sys.stdin.readline()
try:
    with app.write() as db:
        enrollment = enroll(db, program=get_program(db, slug), participant=find_person(db, name))
        locked_at = time.monotonic()
        status, requested_at = enrollment.status, enrollment.requested_at.isoformat()
        time.sleep(float(hold))
        leaving_at = time.monotonic()
    print(json.dumps({"name": name, "status": status, "requested_at": requested_at,
                      "locked_at": locked_at, "leaving_at": leaving_at}))
except ProgramsError as exc:
    print(json.dumps({"name": name, "error": str(exc)}))
"""


def race(url: str, names: list[str]) -> list[dict]:
    """Start one process per name, release them together, return what each reported."""
    env = {**os.environ, "PROGRAMS_LOAD_PLUGINS": ""}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ENROLL, url, SLUG, name, str(HOLD_SECONDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in names
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
        for proc in procs:  # "go" to everyone at once
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
        return reports
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.slow
def test_concurrent_enrollments_from_separate_processes_respect_capacity(
    app: App, db_url: str
) -> None:
    names = [f"P{i}" for i in range(1, PROCESSES + 1)]
    with app.write() as db:
        create_program(db, slug=SLUG, title="Accompagnement collectif", capacity=CAPACITY)
        for name in names:
            add_participant(db, name=name)

    reports = race(db_url, names)

    assert [r for r in reports if "error" in r] == []
    in_lock_order = sorted(reports, key=lambda r: r["locked_at"])
    statuses = [r["status"] for r in in_lock_order]
    assert statuses == ["enrolled"] * CAPACITY + ["waitlisted"] * (PROCESSES - CAPACITY)
    # One at a time: each process got the program only after the previous one was done.
    for before, after in pairwise(in_lock_order):
        assert after["locked_at"] > before["leaving_at"]
    # The queue is the order in which they got the lock.
    times = [datetime.fromisoformat(r["requested_at"]) for r in in_lock_order]
    assert times == sorted(times) and len(set(times)) == PROCESSES
    waiting_in_lock_order = [r["name"] for r in in_lock_order if r["status"] == "waitlisted"]

    with app.read() as db:
        program = get_program(db, SLUG)
        stored = {p.name: e.status for e, p in roster(db, program)}
        queue = [e.participant_id for e in waitlist(db, program)]
        queue_names = [find_person(db, f"#{pid}").name for pid in queue]
    assert list(stored.values()).count("enrolled") == CAPACITY
    assert list(stored.values()).count("waitlisted") == PROCESSES - CAPACITY
    assert stored == {r["name"]: r["status"] for r in reports}
    assert queue_names == waiting_in_lock_order

    first_seated = next(r["name"] for r in in_lock_order if r["status"] == "enrolled")
    with app.write() as db:
        result = withdraw(
            db, program=get_program(db, SLUG), participant=find_person(db, first_seated)
        )
        assert result.promoted is not None
        assert find_person(db, f"#{result.promoted.participant_id}").name == queue_names[0]
