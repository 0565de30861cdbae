# Chapter 10, "Docker Compose": the suite's stand-in for the official
# PostgreSQL image (POSTGRES_IMAGE), from the local base with Debian's
# postgresql-15. Its entry point does what Compose relies on in the
# official one: on an empty data volume, a cluster owned by POSTGRES_USER
# with the password of POSTGRES_PASSWORD_FILE and the database POSTGRES_DB;
# then PostgreSQL as the postgres user.
#
#   podman build -f chapter10/standins/postgres.Dockerfile \
#     -t localhost/runnerly-postgres chapter10/standins
ARG BASE_IMAGE=localhost/runnerly-services:bookworm
FROM ${BASE_IMAGE}
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
# Owned by postgres in the image: a new volume mounted there starts so.
RUN install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
    && install -d -o postgres -g postgres -m 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
# SIGINT: PostgreSQL's fast shutdown (sessions ended, data flushed).
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint.sh"]
CMD ["postgres"]
