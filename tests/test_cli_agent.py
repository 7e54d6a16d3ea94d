"""`shopagent chat` and `shopagent bench agent` as a user runs them, on the small demo shop."""

from __future__ import annotations

from typer.testing import CliRunner

from shopagent.cli import app, split_images
from shopagent.settings import Settings

runner = CliRunner()


def env(shop: Settings) -> dict[str, str]:
    return {"SHOPAGENT_DATA_DIR": str(shop.data_dir), "SHOPAGENT_PLANNER_BACKEND": "rules", "COLUMNS": "200"}


def test_chat_with_messages_and_a_photo(shop: Settings, shop_agent) -> None:  # noqa: ANN001
    photo = shop.data_dir / shop_agent.services.table.rows[0].image
    result = runner.invoke(app, ["chat", "--customer", "4", "-m", "I'm looking for a dress",
                                 "-m", "tell me more about the second one", "-m", f"like this but in red {photo}",
                                 "-m", "/quit", "-m", "never sent"], env=env(shop))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "planner: rules" in out and "session " in out and "customer 4" in out
    assert "→ search_products(query=\"I'm looking for a dress\"" in out and "→ get_product(product_id=" in out
    assert "→ find_similar(photo_id='latest'" in out and "[#" in out and "never sent" not in out.split("/quit")[1]


def test_chat_refusals(shop: Settings) -> None:
    staff = runner.invoke(app, ["chat", "--staff", "-m", "hi"], env=env(shop))
    assert staff.exit_code == 1 and "customer id" in staff.output
    bad = runner.invoke(app, ["chat", "--planner", "gpt", "-m", "hi"], env=env(shop))
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_chat_resumes_a_session(shop: Settings) -> None:
    first = runner.invoke(app, ["chat", "--customer", "8", "-m", "show me jeans"], env=env(shop))
    key = first.output.split("session ")[1].split()[0]
    again = runner.invoke(app, ["chat", "--customer", "8", "--session", key, "-m", "tell me about the first one"],
                          env=env(shop))
    assert again.exit_code == 0 and f"session {key}" in again.output and "→ get_product(" in again.output


def test_split_images(tmp_path) -> None:  # noqa: ANN001
    photo = tmp_path / "me.jpg"
    photo.write_bytes(b"x")
    assert split_images(f"like this {photo} but navy") == ("like this but navy", [photo])
    assert split_images("no photo.jpg here") == ("no photo.jpg here", [])


def test_bench_agent_prints_its_table(shop: Settings) -> None:
    result = runner.invoke(app, ["bench", "agent", "--turns", "8"], env=env(shop))
    assert result.exit_code == 0, result.output
    assert "whole turn, as the shopper waits" in result.output and "target: p95 <= 300 ms" in result.output


def test_bench_tryon_prints_its_table(shop: Settings, tmp_path) -> None:  # noqa: ANN001
    pictures = tmp_path / "pictures"
    result = runner.invoke(app, ["bench", "tryon", "--per-category", "1", "--out", str(pictures)], env=env(shop))
    assert result.exit_code == 0, result.output
    assert "bench tryon — warp engine, 1 photo(s)" in result.output and "t-shirt" in result.output
    assert list(pictures.glob("t-shirt-*.jpg"))
    (tmp_path / "empty").mkdir()
    none = runner.invoke(app, ["bench", "tryon", "--photos", str(tmp_path / "empty")], env=env(shop))
    assert none.exit_code == 1 and "no photos in" in none.output
