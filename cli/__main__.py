"""``python -m programs.cli``: the same as the ``programs`` command."""

from programs.cli.main import main

main()
