"""Shared fixtures: offline environment, a SQLite store per test, and a real PostgreSQL server.

The PostgreSQL server is started from Debian's binaries on 127.0.0.1 for the session and
stopped after it. Without them the postgres tests skip here, and fail under CI (CI=true).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TQDM_DISABLE"] = "1"
for name in list(os.environ):
    if name.startswith("SHOPAGENT_"):
        del os.environ[name]

from index.store import Store  # noqa: E402


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests run where no shopagent.toml lies, and `--config` (which sets SHOPAGENT_CONFIG) leaks no further."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPAGENT_CONFIG", raising=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        message = "PostgreSQL server binaries not found (apt-get install postgresql; `make test` does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="shopagent-pg-"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "shopagent", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
        f"-h 127.0.0.1 -p {port} -k {root} -F", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "shopagent", "shopagent")
        yield f"postgresql+psycopg2://shopagent@127.0.0.1:{port}/shopagent"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _fresh_pg_store(url: str) -> Store:
    """An empty schema in the shared server: drop everything, then migrate."""
    from sqlalchemy import text

    store = Store(url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    store.migrate()
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A migrated, empty store: on SQLite always, and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_store")
        return
    s = _fresh_pg_store(request.getfixturevalue("postgres_url"))
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    s.migrate()
    yield s
    s.dispose()


def require(present: bool, message: str) -> None:
    """A system package the tests need: skip here without it; under CI (which installs it) fail."""
    if not present:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def require_fashion_mnist() -> None:
    from retrieval.train_attributes import FASHION_MNIST_DIR

    require((FASHION_MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
            f"Fashion-MNIST not in {FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist; make test does)")


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 (shopagent.settings.Settings)
    """A small demo shop, ready for the agent: catalog with images, vector index, trained recommender."""
    from index.demo import generate
    from retrieval.embedders import load_embedder
    from retrieval.indexer import build_index
    from retrieval.recsys.service import RecommendationService
    from shopagent.settings import Settings

    data = tmp_path_factory.mktemp("shop")
    settings = Settings(data_dir=data, planner_backend="rules")
    store = Store(settings.db_url)
    store.migrate()
    generate(store, data, seed=11, n_products=120, n_customers=80, workers=2, log=lambda s: None)
    build_index(store, load_embedder(settings).embedder, data)
    RecommendationService.train(store, "hybrid").save(data)
    store.dispose()
    return settings


@pytest.fixture(scope="session")
def shop_agent(shop):  # noqa: ANN001, ANN201 (agent.loop.Agent over the demo shop, rules planner)
    from agent.build import build_agent

    return build_agent(shop)


def staff_agent(shop_agent, demo_sign_in: bool = True, **accounts: str):  # noqa: ANN001, ANN201 (agent.loop.Agent)
    """The shop's agent with staff accounts name -> role, each with the password STAFF_PASSWORD, and the shopper's
    page's demo sign-in on (the UI tests sign in as demo customers by number)."""
    from agent.loop import Agent
    from shopagent.staff import account_entry

    agent = Agent(shop_agent.services, shop_agent.planner, shop_agent.planner_note)
    agent.settings = shop_agent.settings.model_copy(update={"web_demo_sign_in": demo_sign_in, "staff_accounts": {
        name: account_entry(role, STAFF_PASSWORD) for name, role in accounts.items()}})
    return agent


STAFF_PASSWORD = "correct horse 1"


@contextmanager
def serving(app) -> Iterator[str]:  # noqa: ANN001 (an ASGI app)
    """The app served by uvicorn on 127.0.0.1 (a free port) in a thread; yields its URL, stops it after."""
    import threading
    import time

    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def ui_server(shop_agent):  # noqa: ANN001, ANN201 (the URL of both pages, served on 127.0.0.1 for the session)
    """The shopper's page and the copilot (staff: lena, a lead, and sam, an agent; password STAFF_PASSWORD)."""
    from ui.server import build_server

    with serving(build_server(staff_agent(shop_agent, lena="lead", sam="agent"))) as url:
        yield url


def import_rows(root: Path, rows: list[dict], images: Path):  # noqa: ANN201 (Settings, Store, ImportReport)
    """A shop in root/data whose catalog is rows (neutral JSON rows, images under images), imported once."""
    import json

    from index.importer import import_catalog
    from shopagent.settings import Settings

    feed = root / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    settings = Settings(data_dir=root / "data")
    store = Store(settings.db_url)
    store.migrate()
    return settings, store, import_catalog(store, feed, settings.data_dir, images)
