"""``python -m fakestrava``: the fake Strava on 127.0.0.1:$PORT.

FAKESTRAVA_SEED, FAKESTRAVA_CLIENT_ID and FAKESTRAVA_CLIENT_SECRET change the
data and the registered app; the defaults match ``create_app()``'s.
"""

import os

from . import create_app


def main() -> None:
    port = int(os.environ.get("PORT", 5000))
    app = create_app(
        seed=int(os.environ.get("FAKESTRAVA_SEED", 42)),
        client_id=os.environ.get("FAKESTRAVA_CLIENT_ID", "1234"),
        client_secret=os.environ.get("FAKESTRAVA_CLIENT_SECRET", "fake-secret"),
    )
    fake = app.extensions["fakestrava"]
    print(
        f"Fake Strava on http://127.0.0.1:{port} "
        f"(client_id={fake.client_id} client_secret={fake.client_secret}; "
        "Ctrl-C stops it)",
        flush=True,
    )
    app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
