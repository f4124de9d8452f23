"""The information section's bulletins (通报): each unit's record over a month (K14) or a quarter
(K15), previewed from the live records, published with a number and date (its figures frozen),
emailed to the units, and printable as XLSX and PDF."""
