# Chapter 10, "Docker Compose": the suite's stand-in for the OpenResty image.
# A reader's Docker pulls openresty/openresty; no registry is reachable from
# the suite's machine, so it builds this from a local Debian base that has
# nginx and its Lua module (libnginx-mod-http-lua), and points Compose at it
# with NGINX_IMAGE. It behaves as the official image does where Compose
# relies on it: conf.d/*.conf inside the http block, logs on the
# container's output, nothing written outside the tmpfs mounts.
#
#   podman build -f chapter10/standins/nginx.Dockerfile \
#     -t localhost/runnerly-nginx chapter10/standins
ARG BASE_IMAGE=localhost/runnerly-services:bookworm
FROM ${BASE_IMAGE}
COPY nginx.conf /etc/nginx/nginx.conf
EXPOSE 8080
# SIGQUIT: nginx finishes the requests under way, then exits.
STOPSIGNAL SIGQUIT
# -e: the error log on stderr from the start (the compiled-in path is a file).
CMD ["nginx", "-e", "stderr", "-g", "daemon off;"]
