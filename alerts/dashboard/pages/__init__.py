"""Dashboard page routers, one module per page."""
