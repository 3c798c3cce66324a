"""The ``programs`` command line (installed as ``programs.cli``): parses, calls the core,
renders. One module per command group; see :mod:`programs.cli.main`."""
