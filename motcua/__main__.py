"""`python -m motcua` is the same as the `motcua` command."""

from motcua.cli import app

app()
