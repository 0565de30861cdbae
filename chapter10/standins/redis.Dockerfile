# Chapter 10, "Docker Compose": the suite's stand-in for the official Redis
# image (REDIS_IMAGE), from the local base with Debian's redis-server.
# Compose gives the command and the user; redis-cli is there for the health
# check.
#
#   podman build -f chapter10/standins/redis.Dockerfile \
#     -t localhost/runnerly-redis chapter10/standins
ARG BASE_IMAGE=localhost/runnerly-services:bookworm
FROM ${BASE_IMAGE}
EXPOSE 6379
CMD ["redis-server", "--save", "", "--appendonly", "no"]
