# Book: chapter 10, "Running Flask in Docker": the Strava worker's image.
# The same two stages as dataservice.Dockerfile, which explains each line;
# a Celery worker instead of gunicorn, and no web port.
#
#   podman build -f chapter10/stravaworker.Dockerfile -t runnerly-stravaworker chapter10

ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
COPY wheels/ /wheels/
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels \
        runnerly-stravaworker \
    && /opt/venv/bin/pip uninstall --yes pip

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin runnerly
COPY --from=builder /opt/venv /opt/venv
# The broker's URL and the worker's client secret come from the environment;
# beat's schedule file goes to RUNNERLY_QUEUE_DIR, on the writable /tmp.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RUNNERLY_QUEUE_DIR=/tmp/runnerly-queue
USER 10001
# No HTTP port to probe: a worker is alive while its process is (the
# container ends with it), and busy or stuck shows in its queue's length.
HEALTHCHECK NONE
# Celery handles SIGTERM as PID 1: a warm shutdown, the task under way ends
# first, an unacknowledged message goes back to the queue.
ENTRYPOINT ["runnerly-stravaworker"]
