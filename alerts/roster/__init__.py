"""The duty roster (值班表) as the service sees it.

Who holds a role when (book), whose rosters one sees (access), what people do to it: swaps,
handovers, duty checks (actions), month files (files), calendar feeds (calendar), holidays
(holidays), and what the engine watches on it (watch)."""
