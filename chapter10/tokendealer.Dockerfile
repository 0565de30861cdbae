# Book: chapter 10, "Running Flask in Docker": TokenDealer's image.
# The same two stages as dataservice.Dockerfile, which explains each line.
#
#   podman build -f chapter10/tokendealer.Dockerfile -t runnerly-tokendealer chapter10

# A reader's Docker pulls the official image; the suite passes a local one
# (Debian 12 with its Python 3.11). The wheels must fit its Python.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# Stage 1: a virtual environment, installed from the wheels only. Nothing
# is fetched: --no-index (the build runs with no network at all).
FROM ${BASE_IMAGE} AS builder
COPY wheels/ /wheels/
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels \
        runnerly-tokendealer \
    && /opt/venv/bin/pip uninstall --yes pip

# Stage 2: what runs. The wheels, pip and any build tool stay behind.
FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin runnerly \
    && install -d -o 10001 -g 10001 -m 700 /var/lib/tokendealer/keys
COPY --from=builder /opt/venv /opt/venv
COPY healthcheck.py /opt/runnerly/healthcheck.py
# Its signing keys are made on first start in FLASK_KEY_DIR: a volume
# (Compose, Kubernetes), never a layer; a new volume takes the owner of the
# image's folder, made above for the user. Client registrations (hashes, not
# secrets) come from the environment.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_CONFIG=production \
    PORT=8000 \
    FLASK_KEY_DIR=/var/lib/tokendealer/keys
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python3", "/opt/runnerly/healthcheck.py"]
# Chapter 09's command serves with gunicorn, PID 1 here: on SIGTERM (docker
# stop, a Kubernetes rollout) it finishes the requests under way and exits.
# A container listens on every interface of its own network; the port and
# the number of processes can be changed with the arguments (CMD).
ENTRYPOINT ["runnerly-tokendealer"]
CMD ["serve", "--bind=0.0.0.0:8000", "--workers=2"]
