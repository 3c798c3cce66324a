"""The message templates shipped with the reminders plugin: ``NAME.LANG.j2`` (fr, en).

Not code: a package only so that the files install with the plugin. The first line a
template renders is the subject, the rest the body. Copy one into
``<config dir>/templates/reminders/`` to change it; that copy wins.
"""
