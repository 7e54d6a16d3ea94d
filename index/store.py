"""The catalog store: one engine, sessions, and migrations to the schema in index/models.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from index.models import Base, CatalogMeta

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The database cannot be reached or is not at the expected schema."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 (DBAPI objects)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for url; SQLite gets its folder created, foreign keys on and WAL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"database_url {url!r} is not a database URL; write it like "
                         "sqlite:///data/catalog.sqlite or postgresql+psycopg2://user:pass@host/db") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        try:
            import psycopg2  # noqa: F401
        except ImportError:
            raise StoreError("PostgreSQL needs the driver: pip install 'shopagent[postgres]'") from None
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Store:
    """The catalog store at a database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    def migrate(self) -> None:
        """Bring the schema to the newest migration; safe to call on every start."""
        try:
            with self.engine.begin() as conn:
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot reach the database {self!r}: {exc.orig}") from None

    def revision(self) -> str | None:
        """The schema revision the database is at (None: never migrated)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

    def ping(self) -> str:
        """Check the database answers and is migrated; return a one-line status."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            rev = self.revision()
        except SQLAlchemyError as exc:
            raise StoreError(f"the database {self!r} does not answer: {exc}") from None
        if rev != self.head_revision():
            raise StoreError(f"the database {self!r} is at schema {rev}, expected {self.head_revision()}; "
                             "run `shopagent db upgrade`.")
        return f"{self!r} answers, schema {rev}"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def catalog_version(self) -> int:
        with self.session() as s:
            row = s.get(CatalogMeta, "catalog_version")
            return int(row.value) if row else 0

    @staticmethod
    def bump_catalog_version(session: Session) -> int:
        """Mark the catalog as changed, so vector indexes built before know they are stale."""
        row = session.get(CatalogMeta, "catalog_version")
        if row is None:
            row = CatalogMeta(key="catalog_version", value="0")
            session.add(row)
        row.value = str(int(row.value) + 1)
        return int(row.value)

    def count(self, model: type[Base]) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    def dispose(self) -> None:
        self.engine.dispose()
