"""Replay dialogue scripts against the agent and check every expectation.

Each run of a script starts from the same catalog: with SQLite the runner works on a snapshot
of the database copied once, and each run gets a fresh copy, so carts, returns and stored
turns from one run never leak into the next (and the real store is never changed). Other
databases are used in place, with a warning. The expensive parts (search index, recommender,
planner) are loaded once and shared.
"""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from agent.build import build_agent
from agent.conversation import UserMessage
from agent.loop import Agent, AgentError
from agent.services import Services
from agent.steps import AnswerStep, ToolResult
from eval.photos import sample_person_photo
from eval.scripts import Script, Turn, matches
from index import models as m
from index.commerce import cart_owner
from index.store import Store
from shopagent.settings import Settings

CORRUPT_IMAGE = b"\x89PNG\r\n\x1a\n this is not an image"
PLACEHOLDER = re.compile(r"\{(latest_order|returnable_order|expired_order|shipped_order|other_order|"
                         r"product:[a-z-]+)\}")


class FixtureMissing(LookupError):
    """The catalog has nothing a script's selector or placeholder asks for."""


@dataclass
class TurnResult:
    user: str
    calls: list[dict]  # name, arguments, ok, error
    answer: str
    latency_ms: float
    failures: list[str] = field(default_factory=list)
    expected_tools: list[str] | None = None


@dataclass
class RunResult:
    script: str
    run: int
    turns: list[TurnResult]
    goals_met: bool | None  # None: the script sets no goals
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and all(not t.failures for t in self.turns)

    def all_failures(self) -> list[str]:
        out = [f"turn {i + 1} ({t.user[:40]!r}): {f}" for i, t in enumerate(self.turns) for f in t.failures]
        return out + self.failures


@dataclass
class ScriptResult:
    script: Script
    runs: list[RunResult]

    @property
    def pass_k(self) -> bool:
        return all(r.passed for r in self.runs)


# ------------------------------------------------------------ fixtures from the store


class Fixtures:
    """Customers and orders a script asks for by kind, found in the catalog under test."""

    def __init__(self, store: Store, now: datetime, return_window_days: int) -> None:
        self.store = store
        self.now = now
        self.window = return_window_days
        self.values: dict[tuple[str, int | None], int] = {}  # filled once per run: later turns see the same ids

    def _delivered(self, s, customer_id: int | None = None) -> list[m.Order]:  # noqa: ANN001
        query = select(m.Order).where(m.Order.status == m.OrderStatus.DELIVERED, m.Order.delivered_at.is_not(None))
        if customer_id is not None:
            query = query.where(m.Order.customer_id == customer_id)
        return list(s.scalars(query.order_by(m.Order.id)))

    def _age_days(self, order: m.Order) -> float:
        return (self.now - m.aware(order.delivered_at)).total_seconds() / 86400

    def customer(self, selector: int | str | None) -> int | None:
        if selector is None or isinstance(selector, int):
            return selector
        with self.store.session() as s:
            if selector == "with_orders":
                found = s.scalars(select(m.Order.customer_id).order_by(m.Order.id)).first()
            elif selector == "with_shipped_order":
                found = s.scalars(select(m.Order.customer_id).where(m.Order.status == m.OrderStatus.SHIPPED)
                                  .order_by(m.Order.id)).first()
            elif selector == "with_measurements":
                found = s.scalars(select(m.Customer.id).where(m.Customer.chest_cm.is_not(None))
                                  .order_by(m.Customer.id)).first()
            else:
                want_open = selector == "with_returnable_order"
                found = next((o.customer_id for o in self._delivered(s)
                              if (0 <= self._age_days(o) <= self.window) == want_open
                              and not any(line.return_reason for line in o.lines)), None)
        if found is None:
            raise FixtureMissing(f"no customer {selector.replace('_', ' ')} in this catalog "
                                 "(set the script's `now` so that some delivered order falls in the window).")
        return int(found)

    def fill(self, text: str, customer: int | None) -> str:
        return PLACEHOLDER.sub(lambda mt: str(self._value(mt.group(1), customer)), text)

    def _value(self, key: str, customer: int | None) -> int:
        if (key, customer) not in self.values:
            self.values[(key, customer)] = self._find(key, customer)
        return self.values[(key, customer)]

    def _find(self, key: str, customer: int | None) -> int:
        with self.store.session() as s:
            if key.startswith("product:"):
                found = s.scalars(select(m.Product.id).where(m.Product.category == key.split(":", 1)[1])
                                  .order_by(m.Product.id)).first()
            elif key == "other_order":
                found = s.scalars(select(m.Order.id).where(m.Order.customer_id != (customer or -1))
                                  .order_by(m.Order.id)).first()
            elif key == "shipped_order":
                found = s.scalars(select(m.Order.id).where(m.Order.customer_id == customer,
                                                           m.Order.status == m.OrderStatus.SHIPPED)).first()
            elif key == "latest_order":
                found = s.scalars(select(m.Order.id).where(m.Order.customer_id == customer)
                                  .order_by(m.Order.placed_at.desc())).first()
            else:
                want_open = key == "returnable_order"
                found = next((o.id for o in self._delivered(s, customer)
                              if (0 <= self._age_days(o) <= self.window) == want_open), None)
        if found is None:
            raise FixtureMissing(f"{{{key}}} has no match for customer {customer} in this catalog.")
        return int(found)


# ------------------------------------------------------------ checks


def items_of(result: dict) -> list[dict]:
    """What result predicates look at: listed products or orders, else the result itself."""
    for key in ("results", "products", "orders", "lines"):
        if isinstance(result.get(key), list):
            return result[key]
    return [result]


def _describe(call: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in call["arguments"].items())
    return f"{call['name']}({args})" + ("" if call["ok"] else f" -> {call['error']['code']}")


def check_turn(turn: Turn, calls: list[dict], answer: str, final_data: dict, latency_ms: float) -> list[str]:
    failures = []
    if turn.tools is not None:
        if not turn.tools and calls:
            failures.append(f"expected no tool call, got {'; '.join(_describe(c) for c in calls)}")
        for want in turn.tools:
            args = want.get("args") or {}
            if not any(c["name"] == want["name"] and all(matches(c["arguments"].get(k), v) for k, v in args.items())
                       for c in calls):
                got = "; ".join(_describe(c) for c in calls) or "no call"
                failures.append(f"expected {want['name']}{' with ' + str(args) if args else ''}, got {got}")
    for name in turn.forbid_tools:
        if any(c["name"] == name and c["ok"] for c in calls):
            failures.append(f"{name} ran but is forbidden here")
    ok_results = [c["result"] for c in calls if c["ok"]]
    items = [item for r in ok_results for item in items_of(r)]
    for pred in turn.results:
        kind, spec = next(iter(pred.items()))
        if kind == "every":
            bad = [i for i in items if not all(matches(i.get(k), v) for k, v in spec.items())]
            if not items or bad:
                failures.append(f"every result should match {spec}: " + ("no results" if not items else
                                f"{len(bad)} of {len(items)} do not, e.g. {_brief(bad[0])}"))
        elif kind == "top":
            if not items or not all(matches(items[0].get(k), v) for k, v in spec.items()):
                failures.append(f"the top result should match {spec}, got {_brief(items[0]) if items else 'none'}")
        elif kind == "count":
            if not matches(len(items), spec):
                failures.append(f"result count {len(items)} does not match {spec}")
        elif kind == "error":
            errors = [c["error"] for c in calls if not c["ok"]]
            if not any(all(matches(e.get(k), v) for k, v in spec.items()) for e in errors):
                failures.append(f"expected a tool error matching {spec}, got {errors or 'none'}")
        elif kind == "ok" and bool(spec) != all(c["ok"] for c in calls):
            failures.append("expected every tool call to succeed" if spec else "expected a tool call to fail")
    lowered = answer.lower()
    for word in turn.answer.get("mentions", []):
        if str(word).lower() not in lowered:
            failures.append(f"the answer does not mention {word!r}: {answer[:160]!r}")
    for word in turn.answer.get("not_mentions", []):
        if str(word).lower() in lowered:
            failures.append(f"the answer mentions {word!r}: {answer[:160]!r}")
    if turn.answer.get("grounded") and final_data.get("removed"):
        failures.append(f"the answer cited products no tool returned: {final_data['removed']}")
    if turn.latency_ms is not None and latency_ms > turn.latency_ms:
        failures.append(f"took {latency_ms:.0f} ms, budget {turn.latency_ms:.0f} ms")
    return failures


def _brief(item: dict) -> str:
    keys = ("product_id", "title", "category", "price", "colours", "order_id", "status", "size")
    return "{" + ", ".join(f"{k}: {item[k]!r}" for k in keys if k in item) + "}"


# ------------------------------------------------------------ running


def _snapshot(url: str, folder: Path) -> Path | None:
    """A consistent copy of a SQLite database (the backup API copies WAL content too); None for other DBs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    target = folder / "pristine.sqlite"
    src, dst = sqlite3.connect(parsed.database), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


class Runner:
    def __init__(self, settings: Settings, log: Callable[[str], None] = print) -> None:
        self.settings = settings.model_copy(update={"photo_retention_days": 0})  # evaluation keeps no photos
        self.log = log
        self.work = Path(tempfile.mkdtemp(prefix="shopagent-eval-"))
        self.pristine = _snapshot(self.settings.db_url, self.work)
        if self.pristine is None:
            log(f"warning: {make_url(self.settings.db_url).get_backend_name()} is used in place: scripts that add to "
                "carts or start returns change it.")
        self.base = build_agent(self.settings)
        self.note = self.base.planner_note

    def close(self) -> None:
        self.base.services.store.dispose()
        shutil.rmtree(self.work, ignore_errors=True)

    def _agent_for_run(self, now: datetime) -> Agent:
        """An agent over a fresh copy of the store (SQLite), sharing the loaded search and recommender,
        with the script's clock: built explicitly, nothing patched."""
        base = self.base.services
        if self.pristine is None:
            store = base.store
        else:
            copy = self.work / "run.sqlite"
            shutil.copyfile(self.pristine, copy)
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            store = Store(f"sqlite:///{copy}")
        trained = (self.settings.data_dir / "models" / "recommender.pkl").is_file()
        services = Services(store, self.settings, search=base.search,
                            recommender=base.recommender if trained else None, clock=lambda: now)
        return Agent(services, self.base.planner, self.note)

    def run(self, scripts: list[Script], repeat: int = 1,
            progress: Callable[[int, int], None] | None = None) -> list[ScriptResult]:
        out = []
        done, total = 0, len(scripts) * repeat
        for script in scripts:
            runs = []
            for i in range(repeat):
                runs.append(self.run_once(script, i))
                done += 1
                if progress:
                    progress(done, total)
            out.append(ScriptResult(script, runs))
        return out

    def run_once(self, script: Script, run: int) -> RunResult:
        _seed(script.seed + run)
        now = datetime.fromisoformat(script.now.replace("Z", "+00:00")) if script.now else datetime.now(timezone.utc)
        agent = self._agent_for_run(now)
        try:
            fixtures = Fixtures(agent.services.store, now, self.settings.return_window_days)
            try:
                customer = fixtures.customer(script.customer)
                self._setup(agent, script, fixtures, customer)
                conv = agent.open(script.persona, customer)
            except (FixtureMissing, AgentError) as exc:
                return RunResult(script.name, run, [], None, [f"cannot start: {exc}"])
            turns, all_calls = [], []
            for turn in script.turns:
                try:
                    text = fixtures.fill(turn.user, customer)
                except FixtureMissing as exc:
                    return RunResult(script.name, run, turns, None, [f"cannot fill the script: {exc}"])
                result = self._turn(agent, conv, script, turn, text)
                all_calls += result.calls
                turns.append(result)
            failures = self._goals(agent, conv, script, all_calls)
            goals = None if not script.goals else not failures
            return RunResult(script.name, run, turns, goals, failures)
        finally:
            if agent.services.store is not self.base.services.store:
                agent.services.store.dispose()

    @staticmethod
    def _setup(agent: Agent, script: Script, fixtures: Fixtures, customer: int | None) -> None:
        """Rows a script adds before it starts (its own copy of the store): reviews, for now."""
        with agent.services.store.session() as s:
            for review in script.setup.get("reviews", []):
                s.add(m.Review(product_id=int(fixtures.fill(str(review["product"]), customer)), customer_id=None,
                               stars=int(review.get("stars", 5)), title=str(review.get("title", "")),
                               text=str(review["text"])))

    def _turn(self, agent: Agent, conv, script: Script, turn: Turn, text: str) -> TurnResult:  # noqa: ANN001
        images = [self._image(script, turn.image, agent)] if turn.image else []
        start = time.perf_counter()
        calls: dict[str, dict] = {}
        answer, final_data = "", {}
        try:
            for item in agent.respond(conv, UserMessage(text, images)):
                if isinstance(item, ToolResult):
                    calls[item.call.id] = {"name": item.name, "arguments": item.call.arguments, "ok": item.ok,
                                           "result": item.result, "error": item.error}
                elif isinstance(item, AnswerStep):
                    answer, final_data = item.text, {"products": item.products, **item.meta()}
        except AgentError as exc:
            answer = str(exc)
        latency = (time.perf_counter() - start) * 1000
        listed = list(calls.values())
        failures = check_turn(turn, listed, answer, final_data, latency)
        expected = [t["name"] for t in turn.tools] if turn.tools is not None else None
        return TurnResult(text, listed, answer, latency, failures, expected)

    def _image(self, script: Script, spec: str, agent: Agent) -> object:
        if spec == "corrupt":
            return CORRUPT_IMAGE
        if spec == "person":
            return sample_person_photo()
        if spec.startswith("catalog:"):
            category = spec.split(":", 1)[1]
            row = next((r for r in agent.services.table.rows if r.category == category and r.image), None)
            if row is None:
                raise FixtureMissing(f"no {category} with an image in this catalog")
            return self.settings.data_dir / row.image
        path = (script.path.parent / spec).resolve()
        if not path.is_file():
            raise FixtureMissing(f"{script.path.name}: image {spec} not found (looked at {path})")
        return path

    @staticmethod
    def _goals(agent: Agent, conv, script: Script, calls: list[dict]) -> list[str]:  # noqa: ANN001
        failures = []
        goals = script.goals
        if "cart" in goals:
            cart = agent.services.commerce.cart(cart_owner(conv.customer_id, conv.key))
            for key, spec in goals["cart"].items():
                value = len(cart.lines) if key == "count" else cart.total if key == "total" else None
                if not matches(value, spec):
                    failures.append(f"goal: cart {key} is {value}, expected {spec}")
        if goals.get("return_started") and not any(c["name"] == "start_return" and c["ok"] for c in calls):
            failures.append("goal: no return was started")
        for name in goals.get("never_called", []):
            if any(c["name"] == name and c["ok"] for c in calls):
                failures.append(f"goal: {name} ran, and it never should in this dialogue")
        return failures


def _seed(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np
        import torch

        np.random.seed(seed)
        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover
        pass


def tool_precision_recall(results: list[ScriptResult]) -> tuple[float, float]:
    """Over every turn that states its tools: called names against expected names (as multisets)."""
    tp = called = expected = 0
    for sr in results:
        for run in sr.runs:
            for t in run.turns:
                if t.expected_tools is None:
                    continue
                got = Counter(c["name"] for c in t.calls)
                want = Counter(t.expected_tools)
                tp += sum((got & want).values())
                called += sum(got.values())
                expected += sum(want.values())
    return (tp / called if called else 1.0), (tp / expected if expected else 1.0)
