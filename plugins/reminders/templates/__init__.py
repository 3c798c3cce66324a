"""The message templates shipped with the reminders plugin: one per message and kind of
channel (``session.j2``, ``session.short.j2``...), their words from the catalog in the
reader's language (Jinja2's i18n extension, newstyle).

Not code: a package only so that the files install with the plugin. The first line a
template renders is the subject, the rest the body. Copy one into
``<config dir>/templates/reminders/`` to change it (as ``NAME.j2`` for every language, or
``NAME.fr.j2`` for one); that copy wins.
"""
