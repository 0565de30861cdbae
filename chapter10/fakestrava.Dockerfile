# Book: chapter 10, "Running Flask in Docker": the fake Strava in an image.
# The pattern every Runnerly image follows (see dataservice.Dockerfile):
# a builder stage makes a virtual environment from wheels, with no network;
# the final stage copies that environment only, and runs as a user.
#
#   python -m chapter10.wheelhouse chapter10/wheels fakestrava-*.whl gunicorn
#   podman build -f chapter10/fakestrava.Dockerfile -t runnerly-fakestrava chapter10

# A reader's Docker pulls the official image; the suite passes a local one.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS builder
COPY wheels/ /wheels/
# --no-index: only the wheels given, the versions that were tested.
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels \
        fakestrava gunicorn \
    && /opt/venv/bin/pip uninstall --yes pip

FROM ${BASE_IMAGE}
# A system user with no home and no shell: nothing runs as root.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin runnerly
COPY --from=builder /opt/venv /opt/venv
COPY healthcheck.py /opt/runnerly/healthcheck.py
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    HEALTH_PATH=/api/v3/athlete \
    HEALTH_STATUS=401
USER 10001
EXPOSE 8000
# The fake has no /health: its API refusing a request without a token is
# the sign that it serves.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python3", "/opt/runnerly/healthcheck.py"]
# gunicorn handles SIGTERM as PID 1 (graceful stop); it binds 0.0.0.0:$PORT.
# --no-control-socket: gunicorn 27 would write one under $HOME otherwise.
# One process: the fake keeps its codes and tokens in memory, so a code it
# gave must be traded with the same process. Threads: a browser talks to
# the fake directly (its authorize page) and opens connections ahead of use;
# a thread waits on each, where a plain worker would be held by one.
ENTRYPOINT ["gunicorn", "--no-control-socket", "--workers=1", "--threads=4", \
    "--access-logfile=-", "fakestrava:create_app()"]
