"""open_clip image-text models (CLIP, SigLIP, Marqo-FashionSigLIP), loaded without the network.

The image_model setting is one of:
- `hf-hub:org/name`: looked up in the local Hugging Face cache only, then loaded as a folder;
- `local-dir:/path` or a folder path: a folder with open_clip_config.json and the weights;
- `MODEL@PRETRAINED`: an open_clip model name and a pretrained tag or weights file,
  e.g. `ViT-B-32@laion2b_s34b_b79k` (tags come from open_clip's cache).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image

from retrieval.embedders import normalise
from shopagent.hub import ModelNotFound, find_local_model

if TYPE_CHECKING:
    from retrieval.zeroshot import ZeroShotRecogniser


def _model_args(ref: str) -> tuple[str, str | None]:
    """(model_name, pretrained) for open_clip.create_model_and_transforms, resolved on this machine."""
    if ref.startswith("local-dir:"):
        return ref, None
    if "@" in ref and not ref.startswith("hf-hub:"):
        name, pretrained = ref.split("@", 1)
        return name, pretrained
    path = find_local_model(ref)
    if path is None:
        raise ModelNotFound(ref, "image_model")
    return f"local-dir:{path}", None


def open_clip_weights_present(ref: str) -> bool:
    if ref.startswith("local-dir:"):
        return Path(ref.removeprefix("local-dir:")).is_dir()
    if "@" in ref and not ref.startswith("hf-hub:"):
        return True  # a name@tag is only checked by loading it
    return find_local_model(ref) is not None


class OpenClipEmbedder:
    """Batches, runs on the GPU in fp16 when there is one, returns unit vectors."""

    def __init__(self, ref: str, device: str = "cpu", batch_size: int = 64) -> None:
        import open_clip

        name, pretrained = _model_args(ref)
        precision = "fp16" if device.startswith("cuda") else "fp32"
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained, device=device,
                                                                     precision=precision)
        self.model = model.eval()
        self.preprocess = preprocess
        self.tokenizer = open_clip.get_tokenizer(name)
        self.device = device
        self.batch_size = batch_size
        self.id = f"open_clip/{ref}"
        self.dim = int(self.encode_texts(["a shirt"]).shape[1])

    @torch.inference_mode()
    def encode_texts(self, texts: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens = self.tokenizer(texts[start:start + self.batch_size]).to(self.device)
            out.append(self.model.encode_text(tokens).float().cpu().numpy())
        return normalise(np.concatenate(out)) if out else np.zeros((0, getattr(self, "dim", 0)), np.float32)

    @torch.inference_mode()
    def encode_images(self, images: list[Image.Image]) -> np.ndarray:
        out = []
        dtype = next(self.model.parameters()).dtype
        for start in range(0, len(images), self.batch_size):
            batch = torch.stack([self.preprocess(im.convert("RGB")) for im in images[start:start + self.batch_size]])
            out.append(self.model.encode_image(batch.to(self.device, dtype)).float().cpu().numpy())
        return normalise(np.concatenate(out)) if out else np.zeros((0, self.dim), np.float32)

    @cached_property
    def zero_shot(self) -> ZeroShotRecogniser:
        """Category and colours by prompts over the taxonomy (retrieval/zeroshot.py), made on first use:
        loading the model for search alone never pays for embedding the prompts."""
        from retrieval.zeroshot import ZeroShotRecogniser

        return ZeroShotRecogniser(self)
