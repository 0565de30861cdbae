"""The worker's settings (book: chapter 8, "Interacting with Data Service").

Read from the environment, without Flask's ``FLASK_`` prefix: the worker is
not a Flask app. Defaults are the development stack's ports (TokenDealer
5001, data service 5003, fake Strava 5004)::

    >>> settings = Settings.from_env({"SYNC_EVERY_SECONDS": "60"})
    >>> settings.sync_every, settings.client_id, settings.broker_url
    (60.0, 'runnerly-worker', None)
"""

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field


def default_queue_dir() -> str:
    return os.path.join(tempfile.gettempdir(), "runnerly-queue")


@dataclass(frozen=True)
class Settings:
    data_service_url: str = "http://127.0.0.1:5003"
    token_issuer: str = "http://127.0.0.1:5001"
    client_id: str = "runnerly-worker"
    client_secret: str = ""
    strava_base_url: str = "http://127.0.0.1:5004"
    strava_client_id: str = "1234"
    strava_client_secret: str = "fake-secret"
    # None: kombu's filesystem transport in queue_dir (no server needed).
    broker_url: str | None = None
    queue_dir: str = field(default_factory=default_queue_dir)
    sync_every: float = 3600.0
    # Strava's largest page: the fewest requests against its rate limit.
    per_page: int = 200
    # Retries when the data service (or Strava's network) is down, and the
    # first delay; it doubles at each try.
    max_retries: int = 5
    retry_backoff: float = 2.0
    # Seconds after which a sync that says "running" without a heartbeat
    # (the worker writes the state after every page) was abandoned: its
    # worker died. Well above a page's time and the retries' delays above.
    stale_after: int = 120

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        def get(name: str, default):
            return environ.get(name) or default

        defaults = cls()
        return cls(
            data_service_url=get("DATA_SERVICE_URL", defaults.data_service_url),
            token_issuer=get("TOKEN_ISSUER", defaults.token_issuer),
            client_id=get("WORKER_CLIENT_ID", defaults.client_id),
            client_secret=get("WORKER_CLIENT_SECRET", defaults.client_secret),
            strava_base_url=get("STRAVA_BASE_URL", defaults.strava_base_url),
            strava_client_id=get("STRAVA_CLIENT_ID", defaults.strava_client_id),
            strava_client_secret=get(
                "STRAVA_CLIENT_SECRET", defaults.strava_client_secret
            ),
            broker_url=get("CELERY_BROKER_URL", None),
            queue_dir=get("RUNNERLY_QUEUE_DIR", defaults.queue_dir),
            sync_every=float(get("SYNC_EVERY_SECONDS", defaults.sync_every)),
            per_page=int(get("STRAVA_PER_PAGE", defaults.per_page)),
            max_retries=int(get("WORKER_MAX_RETRIES", defaults.max_retries)),
            retry_backoff=float(get("WORKER_RETRY_BACKOFF", defaults.retry_backoff)),
            stale_after=int(get("WORKER_STALE_AFTER", defaults.stale_after)),
        )
