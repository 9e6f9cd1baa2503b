# syntax=docker/dockerfile:1
# Baton's image. Build: docker build -t baton .   Run: see docker-compose.yml and docs/deploy.md.

# Build stage: resolve the locked dependencies into a virtual environment (uv lives only here).
FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/baton/venv
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev --no-editable

# Runtime stage: the virtual environment and nothing to build with (no uv, no compiler, no curl).
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 baton \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/baton --create-home baton
COPY --from=build /opt/baton/venv /opt/baton/venv
# BATON_WORKERS: uvicorn worker processes of `baton serve` (about one per core; see docs/deploy.md).
# BATON_ENVIRONMENT=production: secrets keys required, private destinations refused (docs/deploy.md).
ENV PATH=/opt/baton/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BATON_ENVIRONMENT=production \
    BATON_WORKERS=1 \
    BATON_DATABASE_URL=sqlite:////var/lib/baton/baton.db
USER 10001:10001
WORKDIR /var/lib/baton
EXPOSE 8000
# Python, not curl: the image ships no HTTP client tools. /healthz answers while the process is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["baton", "serve", "--host", "0.0.0.0", "--port", "8000"]
