"""The information section's records: each unit's record over a period (unit_records.py, the one
computation behind the records page, its exports and the bulletins), and findings (认定) with
their decisions and the evidence files given for them."""
