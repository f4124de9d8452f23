"""The duty-room dashboard: server-rendered pages (Jinja2) with a little plain JavaScript."""
