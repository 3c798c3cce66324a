"""A second plugin of the same distribution that always fails on enrollments, as a plugin
whose remote service is down would: the change must stay committed, the other plugins must
still get the event, and the command must say which plugin failed."""

from __future__ import annotations

from programs.hookspecs import hookimpl


@hookimpl
def on_enrolled() -> None:
    raise RuntimeError("the CRM at crm.invalid did not answer")
