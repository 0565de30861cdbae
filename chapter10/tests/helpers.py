"""What chapter 10's tests share besides fixtures."""

from testkit.ports import free_port

# The tag of the suite's own builds (compose reads it as RUNNERLY_TAG).
IMAGE_TAG = "ch10"


def on_loopback(port: int | None = None) -> dict:
    """Options for ``podman.start``: on the host's network, gunicorn must
    listen on 127.0.0.1 only (the image's default is every interface)."""
    port = port or free_port()
    return {"port": port, "env": {"GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port}"}}
