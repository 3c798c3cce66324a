"""Built-in reminders plugin (work in progress)."""
