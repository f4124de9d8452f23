"""Taking in filings: the report intake takes and the field rules it follows (report), who
files for whom and the checks against the incident's history (intake), keeping each incident's
obligations equal to what the rules say (assessments), and the office waiving one (waivers)."""
