"""A real provenance server process for the Python tests: the packaged jar on an ephemeral port."""
import contextlib
import importlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from grpc_tools import protoc

MODULE = Path(__file__).resolve().parents[3]
JAVA = [os.environ.get("JAVA", "java"), "--sun-misc-unsafe-memory-access=allow"]
JAR = Path(os.environ.get("PROVENANCE_SERVER_JAR", MODULE / "target" / "provenance-server.jar"))
READY = re.compile(r"serving on 127\.0\.0\.1:(\d+)")
PROTO_DIR = MODULE.parent / "provenance-proto" / "src" / "main" / "proto"


class Server:
    """A server process on an ephemeral loopback port, with its log lines as they come."""

    def __init__(self, options):
        if not JAR.exists():
            pytest.fail(f"{JAR} is missing: run `mvn package` first")
        self.process = subprocess.Popen(
            [*JAVA, "-jar", str(JAR), "serve", "--bind", "127.0.0.1:0", *options],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.address = None
        ready = threading.Event()

        def read_log():
            for line in self.process.stderr:
                self.lines.append(line)
                match = READY.search(line)
                if match:
                    self.address = f"127.0.0.1:{match.group(1)}"
                    ready.set()
            ready.set()

        threading.Thread(target=read_log, daemon=True).start()
        if not ready.wait(60) or self.address is None:
            self.process.kill()
            pytest.fail("the server did not start:\n" + "".join(self.lines))

    def await_log(self, matching, timeout=10):
        """The first log line for which matching(line) holds, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if matching(line):
                    return line
            time.sleep(0.05)
        pytest.fail("no such log line in:\n" + "".join(self.lines))

    def stop(self):
        """SIGTERM: the server must drain and exit 0."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(30) == 0


@contextlib.contextmanager
def start_server(options=()):
    server = Server(options)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server_address():
    """host:port of a server on the embedded example database; stopped with SIGTERM, must exit 0."""
    with start_server() as server:
        yield server.address


@pytest.fixture(scope="session")
def flight_uri(server_address):
    return f"grpc://{server_address}"


@pytest.fixture(scope="session")
def stubs(tmp_path_factory):
    """The modules protoc generates from the .proto for Python: (messages, grpc stubs)."""
    out = tmp_path_factory.mktemp("stubs")
    well_known = str(Path(protoc.__file__).parent / "_proto")
    assert protoc.main(["protoc", f"-I{PROTO_DIR}", f"-I{well_known}", f"--python_out={out}",
                        f"--grpc_python_out={out}", str(PROTO_DIR / "swhprovenance.proto")]) == 0
    sys.path.insert(0, str(out))
    yield importlib.import_module("swhprovenance_pb2"), importlib.import_module("swhprovenance_pb2_grpc")
    sys.path.remove(str(out))
