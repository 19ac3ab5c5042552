"""A real provenance server process for the Python tests: the packaged jar on an ephemeral port."""
import os
import re
import signal
import subprocess
import threading
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[3]
JAR = Path(os.environ.get("PROVENANCE_SERVER_JAR", MODULE / "target" / "provenance-server.jar"))
READY = re.compile(r"serving on 127\.0\.0\.1:(\d+)")


@pytest.fixture(scope="session")
def server_address():
    """host:port of a server on the embedded example database; stopped with SIGTERM, must exit 0."""
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: run `mvn package` first")
    process = subprocess.Popen(
        ["java", "-jar", str(JAR), "serve", "--bind", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = {}
    ready = threading.Event()

    def read_log():
        for line in process.stderr:
            match = READY.search(line)
            if match:
                port["value"] = match.group(1)
                ready.set()
        ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(60) or "value" not in port:
        process.kill()
        pytest.fail("the server did not start")
    yield f"127.0.0.1:{port['value']}"
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


@pytest.fixture(scope="session")
def flight_uri(server_address):
    return f"grpc://{server_address}"
