# fhir-gateway: the FHIR REST shim + GraphQL facade (docs/operations.md). Needs MONGODB_URI (see
# docker-compose.yml); without it the embedded mongoeco store keeps data in /data inside the container.

# Stage 1: the browser assets the gateway serves itself (GraphiQL, Swagger UI), from their package-lock.json.
FROM node:22-bookworm-slim AS assets
WORKDIR /assets
COPY schema/graphiql/package.json schema/graphiql/package-lock.json ./graphiql/
COPY gateway/rest/swagger_ui/package.json gateway/rest/swagger_ui/package-lock.json ./swagger_ui/
RUN cd graphiql && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
    && cd ../swagger_ui && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# Stage 2: a wheel with those assets inside (package-data), dependencies pinned by requirements.lock.
FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY gateway ./gateway
COPY schema ./schema
COPY --from=assets /assets/graphiql/node_modules ./schema/graphiql/node_modules
COPY --from=assets /assets/swagger_ui/node_modules ./gateway/rest/swagger_ui/node_modules
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip wheel --wheel-dir /wheels -c requirements.lock /wheels/fhir_gateway-*.whl

# Stage 3: the runtime: the wheels only, no compilers, no sources, no node, an unprivileged user.
FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FHIR_GATEWAY_DATA_DIR=/data
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels fhir-gateway \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /app gateway \
    && mkdir -p /app /data && chown gateway /app /data && chmod 0700 /data
WORKDIR /app
USER gateway
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["fhir-gateway", "serve", "--host", "0.0.0.0", "--port", "8000"]
