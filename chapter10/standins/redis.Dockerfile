# Chapter 10, "Docker Compose": the suite's stand-in for the official Redis
# image (REDIS_IMAGE), from the local base with Debian's redis-server.
# Compose gives the command; redis-cli is there for the health check.
#
#   podman build -f chapter10/standins/redis.Dockerfile \
#     -t localhost/runnerly-redis chapter10/standins
ARG BASE_IMAGE=localhost/runnerly-services:bookworm
FROM ${BASE_IMAGE}
EXPOSE 6379
# Debian's redis-server package made this user: no root, as the official
# image (its entry point drops to redis) and as every Runnerly image. By
# name: the package picks its number when installed (100 in this base).
# hadolint ignore=DL3066
USER redis
CMD ["redis-server", "--save", "", "--appendonly", "no"]
