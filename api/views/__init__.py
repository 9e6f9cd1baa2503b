"""Read models behind the planning views: one module per view, each a few small query functions and the
Public schemas the API returns. Queries are SQLAlchemy Core with bound parameters only."""
