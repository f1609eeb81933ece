"""An S3-compatible object store for tests: moto's server mode (`python -m moto.server`, from PyPI's moto
package), run as a separate process on a free loopback port and spoken to over real HTTP by boto3, as the
app speaks to S3, MinIO or any other store. It holds its buckets in memory; each test gets a bucket of its
own."""

import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests.support.services import free_port

# moto accepts any credentials; boto3 needs some to sign its requests.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
REGION = "us-east-1"


class S3Server:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def answers(self):
        try:
            return requests.get(f"{self.url}/moto-api/", timeout=0.5).ok
        except requests.RequestException:
            return False

    def start(self):
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.answers():
            assert self.process.poll() is None, "moto's server exited"
            assert time.monotonic() < deadline, "moto's server did not start"
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client("s3", endpoint_url=self.url)

    def new_bucket(self):
        name = f"socialapp-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket, prefix=""):
        """Every key in `bucket` under `prefix`, sorted."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

    def read(self, bucket, key):
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server, one per test process."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, monkeypatch):
    """A new, empty bucket on the test S3 server, with boto3's credentials in the environment; the app's
    settings for it, with `S3_BUCKET` naming it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": s3_server.new_bucket(),
        "S3_ENDPOINT_URL": s3_server.url,
        "S3_REGION": REGION,
    }
