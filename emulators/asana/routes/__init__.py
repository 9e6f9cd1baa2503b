"""The Asana API 1.0 routers, one per resource family."""
