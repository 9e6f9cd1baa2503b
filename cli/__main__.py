"""`python -m cli`: the `baton` command line (as quick as the console script: `main` builds its app on first use)."""

from cli import build_cli

if __name__ == "__main__":
    build_cli()()
