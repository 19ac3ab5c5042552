"""Every notebook runs end to end within a time budget, against the demo database and against a
synthetic database of scale 0.2 (540 000 nodes, 1.9 M rows); one runs against a server that requires
a bearer token. Notebooks are committed without outputs."""
import time
from pathlib import Path

import nbformat
import pyarrow.flight as flight
import pytest
from nbclient import NotebookClient

from conftest import start_server

NOTEBOOKS = sorted((Path(__file__).resolve().parents[4] / "notebooks").glob("*.ipynb"))
#: Seconds for one notebook, kernel start included (about 10 s on the synthetic database).
BUDGET_SECONDS = 60
TOKEN = "notebook-test-token"


def by_name(path):
    return path.name


def run(path, uri, monkeypatch, token=None):
    """Executes the notebook against the server at uri, as Jupyter would; returns it with its outputs."""
    notebook = nbformat.read(path, as_version=4)
    monkeypatch.setenv("PROVENANCE_FLIGHT_URI", uri)
    if token:
        monkeypatch.setenv("SWH_PROVENANCE_TOKEN", token)
    else:
        monkeypatch.delenv("SWH_PROVENANCE_TOKEN", raising=False)
    start = time.monotonic()
    NotebookClient(notebook, timeout=BUDGET_SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.monotonic() - start
    assert elapsed < BUDGET_SECONDS, f"{path.name} took {elapsed:.0f} s"
    return notebook


def outputs(notebook, mime_type):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if mime_type in output.get("data", {})]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=by_name)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    executed = [index for index, cell in enumerate(notebook.cells)
                if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert executed == [], f"{path.name}: cells {executed} hold outputs; clear them before committing"


@pytest.fixture(scope="module")
def synthetic_uri(synthetic_database):
    """A server on the gen-synthetic --scale 0.2 database."""
    with start_server(["--database", str(synthetic_database)]) as server:
        yield f"grpc://{server.address}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=by_name)
def test_runs_on_the_demo_database(path, flight_uri, monkeypatch):
    run(path, flight_uri, monkeypatch)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=by_name)
def test_runs_on_a_synthetic_database(path, synthetic_uri, monkeypatch):
    notebook = run(path, synthetic_uri, monkeypatch)
    if path.name.startswith("03-"):
        assert len(outputs(notebook, "image/png")) == 3, "the analysis draws three plots"


def test_sends_the_token_to_a_server_that_requires_one(tmp_path, monkeypatch):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"notebooks {TOKEN}\n")
    with start_server(["--auth-token-file", str(tokens)]) as server:
        uri = f"grpc://{server.address}"
        with pytest.raises(flight.FlightUnauthenticatedError):
            list(flight.connect(uri).list_flights())
        notebook = run(NOTEBOOKS[0], uri, monkeypatch, token=TOKEN)
    assert outputs(notebook, "text/html"), "the quickstart shows its tables"
