"""`python -m shopagent.cli ...`: the same as the `shopagent` command."""

from shopagent.cli import app

app(prog_name="shopagent")
