"""programs: group programs and individual follow-ups for coaches.

This module stays light on purpose: ``programs --version`` imports it, and must not pay for
SQLAlchemy (or even importlib.metadata). The public API for plugin authors is
:mod:`programs.api`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
