"""Finding model weights on this machine, never on the network, and the device they run on.

A model id is a local folder, or a Hugging Face id (optionally `hf-hub:`-prefixed) looked up
in the local cache only. Loaders call this first, so a missing model fails fast with a message
naming the id, instead of hanging on a hub that cannot be reached.

`resolve_device(settings.device)` is the one place where the device setting's "auto" becomes
"cuda" (a GPU torch can see) or "cpu".
"""

from __future__ import annotations

from pathlib import Path
from shopagent.errors import NotReady


class ModelNotFound(NotReady):
    """A configured model's weights are not on this machine."""

    def __init__(self, model_id: str, setting: str) -> None:
        super().__init__(
            f"model {model_id!r} ({setting}) is not on this machine. Download it where there is network "
            f"(`huggingface-cli download {hub_id(model_id)}`) and copy the HF cache here, or set "
            f"SHOPAGENT_{setting.upper()} to a local folder."
        )
        self.model_id = model_id


def hub_id(model_id: str) -> str:
    return model_id.removeprefix("hf-hub:")


def find_local_model(model_id: str) -> Path | None:
    """The folder holding model_id's files, or None when they are not on this machine."""
    if not model_id:
        return None
    path = Path(model_id).expanduser()
    if path.is_dir():
        return path
    if model_id.startswith((".", "/", "~")):
        return None
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(hub_id(model_id), local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, ValueError, OSError):
        return None


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """The torch device for a device setting: "auto" is "cuda" when torch sees a GPU, else "cpu";
    "cpu", "cuda" and "cuda:N" are kept as they are."""
    if name == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if name in DEVICES or name.startswith("cuda:"):
        return name
    raise ValueError(f"device {name!r} is not one of {', '.join(DEVICES)} (or cuda:N).")
