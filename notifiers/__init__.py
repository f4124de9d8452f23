"""Channel adapters (SMS, voice, email, webhooks, dry-run) behind one small protocol.

They know nothing of alerts/ or rules/. The escalation issue fills this package in."""
