"""Versioned static URLs: each url_for('static', ...) carries a hash of the file, cached for a year.

A page links `/static/css/app.css?v=<hash>`. The hash changes when the file does, so a browser may keep a
versioned file for good and a page load asks the server for none of them. Requests without a version
(old links, hand-typed URLs) get a short cache and revalidate as before.
"""

import hashlib
import os

from flask import request

LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE_SECONDS = 300
HASH_LENGTH = 12


def file_hash(path):
    """The first HASH_LENGTH hex digits of the SHA-256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()[:HASH_LENGTH]


class StaticVersions:
    """The version of each static file, hashed once per process (a deploy restarts the workers)."""

    def __init__(self, folder):
        self.folder = folder
        self._hashes = {}

    def version(self, filename):
        """The file's hash, or None when there is no such file under the static folder."""
        if filename not in self._hashes:
            path = os.path.realpath(os.path.join(self.folder, filename))
            inside = path.startswith(os.path.realpath(self.folder) + os.sep)
            self._hashes[filename] = file_hash(path) if inside and os.path.isfile(path) else None
        return self._hashes[filename]


def init_app(app):
    """Add `v=<hash>` to static URLs and the matching Cache-Control to static responses."""
    versions = StaticVersions(app.static_folder)
    app.extensions["static_versions"] = versions

    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = versions.version(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def static_cache(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        wanted = request.args.get("v")
        if wanted and wanted == versions.version(filename):
            response.cache_control.no_cache = None
            response.headers["Cache-Control"] = LONG_CACHE
        else:
            response.headers["Cache-Control"] = f"public, max-age={SHORT_CACHE_SECONDS}"
        return response
