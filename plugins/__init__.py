"""Built-in plugins, installed as ``programs.plugins.*``.

Each is written as a third party would write it: only ``programs.api`` and the hooks.
"""
