"""Built-in contacts plugin (work in progress)."""
