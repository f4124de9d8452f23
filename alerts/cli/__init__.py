"""The `jibao` command and its subcommands."""
