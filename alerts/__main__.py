"""`python -m alerts` is the `jibao` command."""

from alerts.cli import main

main()
