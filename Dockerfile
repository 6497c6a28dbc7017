# dondoc worker and web, for a cluster (docker-compose.yml). The embedded Temporal and
# SQLite of `./dondoc up` are not used here: Temporal and PostgreSQL come from the compose file.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DONDOC_LOG_FORMAT=json
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cli ./cli
COPY config ./config
COPY domain ./domain
COPY intake ./intake
COPY store ./store
COPY workflows ./workflows
COPY activities ./activities
COPY notifiers ./notifiers
COPY web ./web
COPY worker.py ./
RUN pip install --no-cache-dir .
USER nobody
ENTRYPOINT ["dondoc"]
CMD ["worker"]
