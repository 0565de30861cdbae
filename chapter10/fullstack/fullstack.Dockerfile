# Book: chapter 10, "The full stack - OpenResty, Circus and Flask": the
# book's one image with nginx, Circus and the data service, done today.
# Compare with dataservice.Dockerfile (one process per container), which
# the README recommends.
#
#   podman build -f chapter10/fullstack/fullstack.Dockerfile -t runnerly-fullstack chapter10

ARG BASE_IMAGE=python:3.11-slim-bookworm
# The final stage needs nginx. A reader's Docker installs it in the stage
# "with-nginx" below; the suite, with no network in its builds, passes a
# local base that has it already (NGINX_BASE_IMAGE).
ARG NGINX_BASE_IMAGE=with-nginx

FROM ${BASE_IMAGE} AS with-nginx
# Debian's nginx, at the version of the base's release (security updates
# come with it; the README justifies this ignored rule).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/*

FROM ${BASE_IMAGE} AS builder
COPY wheels/ /wheels/
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels \
        runnerly-dataservice circus \
    && /opt/venv/bin/pip uninstall --yes pip

# hadolint ignore=DL3006
FROM ${NGINX_BASE_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin runnerly
COPY --from=builder /opt/venv /opt/venv
COPY healthcheck.py /opt/runnerly/healthcheck.py
COPY fullstack/circus.ini fullstack/nginx.conf /opt/runnerly/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_CONFIG=production \
    PORT=8000
USER 10001
EXPOSE 8000
# Through nginx: both must be up for the container to be healthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python3", "/opt/runnerly/healthcheck.py"]
ENTRYPOINT ["circusd", "/opt/runnerly/circus.ini"]
