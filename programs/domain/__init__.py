"""The rules of the domain, as plain functions over a database session.

No terminal, no plugin names: the CLI and plugins call these. Every function takes the
session first and everything else by keyword; writes must run inside ``app.write()`` (or any
session in a transaction) and never commit themselves, so a command that fails halfway
writes nothing.
"""
