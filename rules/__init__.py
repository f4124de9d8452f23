"""Pure rules engine: plain data and a `now` in, decisions out. Standard library only."""
