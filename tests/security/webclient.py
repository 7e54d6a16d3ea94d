"""Raw HTTP as an attacker (or a browser) sends it: no gradio_client, only httpx and the queue protocol."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx


class Browser:
    """One browser: its cookies (the server's session cookie once it has one) and raw Gradio calls."""

    def __init__(self, url: str, prefix: str = "") -> None:
        self.url = url.rstrip("/")
        self.prefix = prefix  # "" for the shopper's page, "/staff" for the copilot
        self.http = httpx.Client(base_url=self.url, timeout=120)
        self.config = self.http.get(f"{prefix}/config").json() if prefix == "" else None

    def close(self) -> None:
        self.http.close()

    def fn_index(self, api_name: str) -> int:
        config = self.config or self.http.get(f"{self.prefix}/config").json()
        return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)

    def upload(self, *paths: Path) -> list[str]:
        """Server paths of the uploaded files, as the page's upload button gets them."""
        files = [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in paths]
        response = self.http.post(f"{self.prefix}/gradio_api/upload", files=files)
        response.raise_for_status()
        return response.json()

    def call(self, api_name: str, data: list) -> dict:
        """Queue a call the way the page does (queue/join, then the event stream); the last message."""
        return self.call_fn(self.fn_index(api_name), data)

    def call_fn(self, fn_index: int, data: list) -> dict:
        """The same, for an event the page has but the API does not name (e.g. the page's load event)."""
        session = secrets.token_hex(6)
        body = {"data": data, "event_data": None, "fn_index": fn_index, "trigger_id": None, "session_hash": session}
        joined = self.http.post(f"{self.prefix}/gradio_api/queue/join", json=body)
        joined.raise_for_status()
        last: dict = {}
        with self.http.stream("GET", f"{self.prefix}/gradio_api/queue/data",
                              params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") in ("process_generating", "process_completed"):
                    last = message
                if message.get("msg") == "process_completed":
                    break
        return last

    def chat(self, text: str, files: list[str] | None = None, customer: int | None = None) -> dict:
        """The shopper's chat with FileData paths as given (uploaded or not)."""
        message = {"text": text, "files": [{"path": p, "meta": {"_type": "gradio.FileData"}} for p in files or []]}
        return self.call("chat", [message, [], None, customer, None])  # the tab's State travels as None


def history_of(result: dict) -> list[dict]:
    """The chat history in a finished chat call's output."""
    return result["output"]["data"][0]


def texts(result: dict) -> list[str]:
    """The words of each chat message (Gradio 6 sends content as a string or a list of typed parts)."""
    out = []
    for m in history_of(result):
        content = m["content"]
        parts = content if isinstance(content, list) else [content]
        out.append(" ".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts if p))
    return out


def files_in(result: dict) -> list[dict]:
    """Every FileData in the output (photos in the history, cards, the try-on)."""
    found: list[dict] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if value.get("meta", {}).get("_type") == "gradio.FileData" or ("path" in value and "url" in value):
                found.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(result.get("output", {}).get("data", []))
    return found
