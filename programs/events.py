"""How domain code talks to plugins without knowing about them.

Domain functions only hold a database session. When it was opened by :meth:`App.write`, the
app is in ``db.info``; otherwise (a unit test of a rule) there are no plugins and these
functions do nothing.
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
    """Ask every plugin; the first that returns a message refuses the change (raises Vetoed).

    A plugin that crashes while asked also stops the change: a veto that cannot be asked
    must not be taken as a yes.
    """
    app = app_of(db)
    if app is None:
        return
    hook = getattr(app.pm.hook, hook_name)
    for impl in reversed(hook.get_hookimpls()):
        args = {"app": app, "db": db, **kwargs}
        try:
            message = impl.function(**{a: args[a] for a in impl.argnames if a in args})
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name} failed on {hook_name}: {exc}") from exc
        if message:
            raise Vetoed(impl.plugin_name, str(message))


def collect(db: DbSession, hook_name: str, **kwargs: Any) -> dict[str, Any]:
    """Call a data hook inside the transaction; ``{plugin name: answer}`` for non-None answers.

    Exceptions propagate, so the whole transaction is rolled back.
    """
    app = app_of(db)
    if app is None:
        return {}
    hook = getattr(app.pm.hook, hook_name)
    answers: dict[str, Any] = {}
    for impl in reversed(hook.get_hookimpls()):
        args = {"app": app, "db": db, **kwargs}
        try:
            answer = impl.function(**{a: args[a] for a in impl.argnames if a in args})
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name} failed on {hook_name}: {exc}") from exc
        if answer is not None:
            answers[impl.plugin_name] = answer
    return answers
