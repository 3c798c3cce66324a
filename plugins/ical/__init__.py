"""Built-in ical plugin (work in progress)."""
