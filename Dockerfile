# Recaudo worker / web image. Production runs it next to your Kafka and Redis:
#   docker run --env RECAUDO_BROKER_URL=kafka://kafka:9092 --env RECAUDO_REDIS_URL=redis://redis:6379/0 recaudo worker
#   docker run -p 8080:8080 ... recaudo web
# deploy/compose.yaml runs the whole stack. tests/integration/test_wheel_install.py
# builds and installs the wheel exactly as this file does, outside the checkout.
# PYTHON_IMAGE: a mirror or stand-in of the base where Docker Hub cannot be
# reached (deploy/check-image.sh --base IMAGE).
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# The whole project: the domain folders reach the package through recaudo/<domain>
# symlinks, which the wheel build follows.
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /var/lib/recaudo recaudo \
 && install -d -o recaudo -g recaudo /var/lib/recaudo
COPY --from=build /wheels /wheels
COPY constraints.txt /tmp/constraints.txt
# Dependencies pinned by constraints.txt, the same versions CI tests.
RUN pip install --no-cache-dir -c /tmp/constraints.txt /wheels/*.whl \
 && rm -rf /wheels /tmp/constraints.txt
USER recaudo
WORKDIR /var/lib/recaudo
# Faust keeps its files in the data dir; both listeners accept connections from
# outside the container (probes, Prometheus, the load balancer).
ENV RECAUDO_DATA_DIR=/var/lib/recaudo \
    RECAUDO_WEB_HOST=0.0.0.0 \
    RECAUDO_WORKER_WEB_HOST=0.0.0.0
VOLUME ["/var/lib/recaudo"]
EXPOSE 8080 6066
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["recaudo", "healthcheck"]
ENTRYPOINT ["recaudo"]
CMD ["worker"]
