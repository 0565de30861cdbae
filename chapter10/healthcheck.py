"""Book: chapter 10, "Running Flask in Docker": the image's HEALTHCHECK.

Slim images have no curl, but they have Python: this script asks the
service in its own container for ``$HEALTH_PATH`` (``/health``, chapter 06's
probe) on ``$PORT`` and exits 0 when the answer has the expected status
(``$HEALTH_STATUS``, 200), 1 otherwise, which is what ``HEALTHCHECK``,
Compose and ``podman healthcheck run`` read.

    >>> url_and_status({"PORT": "8001"})
    ('http://127.0.0.1:8001/health', 200)
"""

import os
import sys
import urllib.error
import urllib.request


def url_and_status(env) -> tuple[str, int]:
    path = env.get("HEALTH_PATH", "/health")
    return f"http://127.0.0.1:{env.get('PORT', '8000')}{path}", int(
        env.get("HEALTH_STATUS", 200)
    )


def main() -> int:
    url, expected = url_and_status(os.environ)
    try:
        # The URL is http://127.0.0.1:... built above, never a file: or user input.
        with urllib.request.urlopen(url, timeout=3) as answer:  # nosec B310
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    if status != expected:
        print(f"unhealthy: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
