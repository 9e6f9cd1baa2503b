"""`python -m cli`: the `baton` command line (the same as the console script, which imports `main` lazily)."""

from cli import build_cli

if __name__ == "__main__":
    build_cli()()
