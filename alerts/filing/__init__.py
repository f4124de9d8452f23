"""Taking in filings: who files for whom, checks against the incident's history, storing them
(intake), and keeping each incident's obligations equal to what the rules say (assessments)."""
