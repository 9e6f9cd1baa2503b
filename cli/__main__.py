"""`python -m cli`: the `baton` command line without building the FastAPI app first (quicker start-up)."""

from cli import build_cli

if __name__ == "__main__":
    build_cli()()
