"""HTTP API: one router module per resource; HTTP errors live here."""
