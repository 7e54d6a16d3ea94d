"""The `shopagent` command: one Typer app, its command groups, and where each command lives.

Each command is a thin function in the module of its group: it reads its flags, loads the
settings (a flag that sets a setting is passed to `load_settings`), calls one domain or eval
function, and prints what comes back. Errors a person can fix end as one `error:` line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from shopagent.cli import bench, body, catalog, chat, doctor, search, train
from shopagent.cli import eval as evaluation
from shopagent.cli.chat import split_images
from shopagent.quiet import configure_logging
from shopagent.settings import CONFIG_ENV

__all__ = ["app", "split_images"]

app = typer.Typer(rich_markup_mode="rich", no_args_is_help=True, add_completion=False,
                  help="shopagent: a conversational shopping agent for fashion.")


@app.callback()
def main(
    config: Annotated[Optional[Path], typer.Option("--config", "-c", help="TOML settings file "
                                                   f"(default: ${CONFIG_ENV}, else ./shopagent.toml).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging on stderr, with the messages of "
                                                                  "third-party libraries (MediaPipe, TensorFlow "
                                                                  "Lite) that are hidden otherwise.")] = False,
) -> None:
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models come from local folders or the cache, never the network
    configure_logging(verbose)


def _group(name: str, help: str) -> typer.Typer:  # noqa: A002 (Typer's word)
    group = typer.Typer(no_args_is_help=True, help=help)
    app.add_typer(group, name=name)
    return group


config_app = _group("config", "Inspect the settings.")
catalog_app = _group("catalog", "Import and inspect the catalog.")
db_app = _group("db", "Manage the database schema.")
train_app = _group("train", "Train the models the project owns.")
index_app = _group("index", "Build the product vector index.")
bench_app = _group("bench", "Benchmarks that print a table.")
photos_app = _group("photos", "Shoppers' photos (personal data).")
eval_app = _group("eval", "Replay scripted dialogues against the agent (QA).")

config_app.command("show")(doctor.config_show)
db_app.command("upgrade")(catalog.db_upgrade)
app.command("demo-data")(catalog.demo_data)
catalog_app.command("import")(catalog.catalog_import)
catalog_app.command("stats")(catalog.catalog_stats_cmd)
train_app.command("attributes")(train.train_attributes)
index_app.command("build")(search.index_build)
app.command("search")(search.search)
bench_app.command("retrieval")(bench.bench_retrieval)
train_app.command("recommender")(train.train_recommender)
app.command("recommend")(search.recommend)
bench_app.command("recsys")(bench.bench_recsys)
app.command("size")(body.size)
app.command("body")(body.body)
photos_app.command("purge")(body.photos_purge)
bench_app.command("sizing")(bench.bench_sizing)
app.command("chat")(chat.chat)
bench_app.command("agent")(bench.bench_agent)
eval_app.command("run")(evaluation.eval_run)
app.command("tryon")(body.tryon)
bench_app.command("tryon")(bench.bench_tryon)
bench_app.command("catalog")(bench.bench_catalog)
bench_app.command("taxonomy")(bench.bench_taxonomy)
bench_app.command("index")(bench.bench_index)
bench_app.command("recognition")(bench.bench_recognition)
app.command("ui")(chat.ui)
app.command("staff-password")(chat.staff_password)
app.command("doctor")(doctor.doctor)
