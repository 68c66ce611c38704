# Recaudo worker / web image. Production runs it next to your Kafka and Redis:
#   docker run --env RECAUDO_BROKER_URL=kafka://kafka:9092 --env RECAUDO_REDIS_URL=redis://redis:6379/0 recaudo worker
#   docker run -p 8080:8080 --env RECAUDO_WEB_HOST=0.0.0.0 ... recaudo web
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY recaudo recaudo
COPY streams streams
COPY models models
COPY channels channels
COPY rules rules
COPY dashboards dashboards
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 recaudo
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER recaudo
EXPOSE 8080 6066
ENTRYPOINT ["recaudo"]
CMD ["worker"]
