"""`jibao demo`: the demo county, its people, roster, accounts and scripted incidents."""
