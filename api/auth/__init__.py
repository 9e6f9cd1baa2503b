"""API keys: creation, hashing, lookup, and the FastAPI dependencies that require a role."""
