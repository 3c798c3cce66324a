"""How domain code talks to plugins without knowing about them.

Domain functions only hold a database session. When it was opened by :meth:`App.write`, the
app is in ``db.info``; otherwise (a unit test of a rule) there are no plugins and these
functions do nothing.

- :func:`queue`: an event (``on_*``), delivered after the commit by :meth:`App.call_each`.
- :func:`veto`: a ``check_*`` hook, asked inside the transaction; a refusal raises.
- :func:`collect`: a data hook inside the transaction; a failure rolls everything back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from programs.errors import PluginError, Vetoed

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App


def app_of(db: DbSession) -> App | None:
    return db.info.get("app")


def queue(db: DbSession, hook_name: str, **kwargs: Any) -> None:
    """Deliver ``hook_name`` to plugins once this transaction has committed."""
    events = db.info.get("events")
    if events is not None:
        events.append((hook_name, kwargs))


def veto(db: DbSession, hook_name: str, **kwargs: Any) -> None:
    """Ask each plugin in turn; the first that returns a message refuses the change (raises
    :class:`Vetoed`) and the others are not asked.

    A plugin that crashes while asked also stops the change: a veto that cannot be asked
    must not be taken as a yes.
    """
    from programs.plugin_manager import iter_calls, one_line

    app = app_of(db)
    if app is None:
        return
    for call in iter_calls(app.pm, hook_name, app=app, db=db, **kwargs):
        if call.error is not None:
            raise PluginError(
                f"plugin {call.plugin} failed on {hook_name}: {one_line(call.error)}"
            ) from call.error
        if call.result:
            raise Vetoed(call.plugin, str(call.result))


def collect(db: DbSession, hook_name: str, **kwargs: Any) -> dict[str, Any]:
    """Call a data hook inside the transaction; ``{plugin name: answer}`` for non-None answers.

    A failure raises (naming the plugin), so the whole transaction is rolled back.
    """
    from programs.plugin_manager import iter_calls, one_line

    app = app_of(db)
    if app is None:
        return {}
    answers: dict[str, Any] = {}
    for call in iter_calls(app.pm, hook_name, app=app, db=db, **kwargs):
        if call.error is not None:
            raise PluginError(
                f"plugin {call.plugin} failed on {hook_name}: {one_line(call.error)}"
            ) from call.error
        if call.result is not None:
            answers[call.plugin] = call.result
    return answers
