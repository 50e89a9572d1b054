"""The `motcua` sub-commands, one module per area."""
