"""`python -m alerts` is the `jibao` command."""

from alerts.cli.commands import main

main()
