"""The shopper UI through its API (gradio_client), on the small demo shop, served on 127.0.0.1 by the test."""

from __future__ import annotations

from pathlib import Path

import pytest
import skimage

from agent.loop import Agent

ASTRONAUT = Path(skimage.__file__).parent / "data" / "astronaut.png"


@pytest.fixture(scope="module")
def url(ui_server: str) -> str:
    """The shopper's page on the real server (ui.server), as a browser reaches it."""
    return ui_server + "/"


def client(url: str):  # noqa: ANN201 (gradio_client.Client: one browser tab, its state kept between calls)
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)  # files stay URLs, fetched below as a browser would


def send(c, text: str, customer: int | None = None, files: list[Path] | None = None) -> tuple:  # noqa: ANN001
    from gradio_client import handle_file

    message = {"text": text, "files": [handle_file(str(f)) for f in files or []]}
    return c.predict(message, [], customer, None, api_name="/chat")


def fetch(c, url: str, file: dict) -> bytes:  # noqa: ANN001
    """A file the page shows, fetched with the tab's cookies, as its browser would."""
    import httpx

    target = file["url"] if file["url"].startswith("http") else url.rstrip("/") + file["url"]
    response = httpx.get(target, cookies=c.cookies)
    assert response.status_code == 200, (target, response.status_code)
    return response.content


def texts(history: list[dict]) -> list[str]:
    return [str(m["content"]) for m in history]


def test_search_shows_tool_boxes_answers_and_cards(url: str) -> None:
    c = client(url)
    history, cards, *_ = send(c, "I'm looking for a dress")
    boxes = [m for m in history if m.get("metadata", {}).get("title")]
    assert boxes and boxes[0]["metadata"]["title"] == "🔧 search_products" and boxes[0]["metadata"]["status"] == "done"
    assert "[#" in texts(history)[-1] and cards and cards[0]["caption"].startswith("#")
    assert fetch(c, url, cards[0]["image"]).startswith(b"\x89PNG")  # the product image, by id
    first = cards[0]["caption"].split()[0].lstrip("#")
    history, *_ = send(c, "tell me more about the first one")  # the same tab continues the conversation
    assert any("get_product" in t for t in texts(history)) and f"[#{first}]" in texts(history)[-1]


def test_size_advice_and_cart_panels(url: str, shop_agent: Agent) -> None:
    c = client(url)
    send(c, "show me t-shirts", customer=4)
    _, _, size, _, _, _, _ = send(c, "what size should I take for the first one", customer=4)
    assert size.startswith("### Size") and "Confidence" in size
    row = next(r for r in shop_agent.services.table.rows if r.category == "t-shirt" and r.sizes_in_stock)
    _, _, _, _, cart, _, _ = send(c, f"add #{row.id} in size {row.sizes_in_stock[0]} to my cart", customer=4)
    assert f"#{row.id}" in cart and "Total" in cart


def test_a_photo_try_on_shows_the_picture(url: str) -> None:
    c = client(url)
    send(c, "show me t-shirts", customer=6)
    history, _, _, tryon, _, _, _ = send(c, "try the first one on me", customer=6, files=[ASTRONAUT])
    before, after = (fetch(c, url, f) for f in tryon)
    assert before.startswith(b"\xff\xd8") and after[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb") \
        and before != after  # the photo, and the garment on it
    assert "on your photo" in texts(history)[-1]


def test_errors_read_like_messages(url: str, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    history, *_ = send(client(url), "like this", files=[bad])
    assert "photo cannot be used" in texts(history)[-1]
