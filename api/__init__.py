"""The HTTP edge: the FastAPI app factory, its dependencies and one router per question a reader asks."""
