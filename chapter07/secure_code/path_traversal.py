"""Book: chapter 7, "Asserting incoming data": path traversal in a download.

Joining a folder and a name the client sends lets ``../`` climb out of the
folder; ``send_from_directory`` (Werkzeug's ``safe_join``) refuses any name
that would, with a 404::

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> client = create_app(folder).test_client()
    >>> client.get("/safe/download", query_string={"name": "../etc"}).status_code
    404
"""

import os

from flask import Flask, request, send_file, send_from_directory

from chapter02.skeleton.errors import register_json_errors


def create_app(download_dir: str) -> Flask:
    """Serve the files of ``download_dir`` (the runs' GPX exports, say)."""
    app = Flask(__name__)
    app.config["DOWNLOAD_DIR"] = download_dir
    register_json_errors(app)

    @app.get("/vulnerable/download")
    def vulnerable_download():
        # Deliberately vulnerable (the lesson): "../secret" leaves the folder.
        path = os.path.join(app.config["DOWNLOAD_DIR"], request.args["name"])
        return send_file(path)

    @app.get("/safe/download")
    def safe_download():
        return send_from_directory(app.config["DOWNLOAD_DIR"], request.args["name"])

    return app
