"""A real provenance server process for the Python tests: the packaged jar on an ephemeral port."""
import concurrent.futures
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
import yaml

MODULE = Path(__file__).resolve().parents[3]
CHART_VALUES = MODULE.parent / "helm" / "swh-provenance" / "values.yaml"
JAVA = [os.environ.get("JAVA", "java"), "--sun-misc-unsafe-memory-access=allow"]
JAR = Path(os.environ.get("PROVENANCE_SERVER_JAR", MODULE / "target" / "provenance-server.jar"))
READY = re.compile(r"serving on 127\.0\.0\.1:(\d+)")
PROTO_DIR = MODULE.parent / "provenance-proto" / "src" / "main" / "proto"


class Server:
    """A server process on an ephemeral loopback port, with its log lines as they come."""

    def __init__(self, options, jvm=()):
        if not JAR.exists():
            pytest.fail(f"{JAR} is missing: run `mvn package` first")
        self.process = subprocess.Popen(
            [*JAVA, *jvm, "-jar", str(JAR), "serve", "--bind", "127.0.0.1:0", *options],
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


    def cpu_seconds(self):
        """CPU time the server process has used, user and system (from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def live_heap(self):
        """Bytes of the objects the server's heap holds alive: the total of a class histogram,
        which jcmd takes after a full garbage collection."""
        jcmd = str(Path(JAVA[0]).with_name("jcmd"))
        histogram = subprocess.run([jcmd, str(self.process.pid), "GC.class_histogram"], check=True,
                                   capture_output=True, text=True, timeout=120).stdout
        return int(re.search(r"^Total\s+\d+\s+(\d+)", histogram, re.MULTILINE).group(1))


@contextlib.contextmanager
def start_server(options=(), jvm=()):
    server = Server(options, jvm)
    try:
        yield server
    finally:
        server.stop()


def chart_jvm_options():
    """The JVM flags docker/entrypoint.sh gives the server in a pod of the chart's default values:
    heap jvm.heapPercent % and direct memory jvm.directMemoryPercent % of resources.limits.memory,
    and an exit on OutOfMemoryError (so that Kubernetes restarts the pod)."""
    values = yaml.safe_load(CHART_VALUES.read_text())
    limit = values["resources"]["limits"]["memory"]
    units = {"Mi": 2**20, "Gi": 2**30}
    limit_bytes = int(limit[:-2]) * units[limit[-2:]]
    direct_mib = limit_bytes // 2**20 * values["jvm"]["directMemoryPercent"] // 100
    return [f"-XX:MaxRAM={limit_bytes}", f"-XX:MaxRAMPercentage={values['jvm']['heapPercent']}",
            f"-XX:MaxDirectMemorySize={direct_mib}m", "-XX:+ExitOnOutOfMemoryError"]


@contextlib.contextmanager
def chart_sized_server(options=()):
    """A server process sized as the chart's default pod (see chart_jvm_options). On leaving, it
    must still run (an OutOfMemoryError would have ended it with exit 3), then drain and exit 0."""
    server = Server(options, chart_jvm_options())
    try:
        yield server
        assert server.process.poll() is None, (
            f"the server died (exit {server.process.returncode}):\n" + "".join(server.lines[-30:]))
    finally:
        if server.process.poll() is None:
            server.stop()


def concurrently(calls, timeout=600):
    """Runs the functions of calls at once, one thread each; the outcome of each, in order: what it
    returned, or the exception it raised."""
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout))
            except Exception as error:  # the outcome under test, whatever it is
                outcomes.append(error)
        return outcomes


@pytest.fixture(scope="session")
def synthetic_database(tmp_path_factory):
    """A gen-synthetic --scale 0.2 database (0.5 M nodes, 1.9 M rows), written once by the jar under test."""
    database = tmp_path_factory.mktemp("synthetic") / "db"
    subprocess.run([*JAVA, "-jar", str(JAR), "gen-synthetic", str(database), "--scale", "0.2"],
                   check=True, capture_output=True, timeout=300)
    return database


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
