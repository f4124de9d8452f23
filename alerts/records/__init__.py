"""The information section's records: findings (认定) and their decisions, with the evidence
files given for them. Refuses (alerts.errors) before anything is written; never commits."""
