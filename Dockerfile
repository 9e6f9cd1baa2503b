# syntax=docker/dockerfile:1
# Build stage: resolve the locked dependencies into a virtual environment.
FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/baton/venv
RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev --no-editable

# Runtime stage: the virtual environment and nothing to build with.
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 baton \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/baton --create-home baton
COPY --from=build /opt/baton/venv /opt/baton/venv
ENV PATH=/opt/baton/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BATON_DATABASE_URL=sqlite:////var/lib/baton/baton.db
USER 10001:10001
WORKDIR /var/lib/baton
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
CMD ["baton", "serve", "--host", "0.0.0.0", "--port", "8000"]
