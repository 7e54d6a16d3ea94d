"""A tiny CLIP saved as a Hugging Face style open_clip folder (config + safetensors), built offline."""

from __future__ import annotations

import json
from pathlib import Path

import torch

TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


def build_tiny_clip(folder: Path) -> Path:
    """The folder, holding open_clip_config.json and open_clip_model.safetensors of random (seeded) weights."""
    import open_clip
    from safetensors.torch import save_file

    config = {"model_cfg": TINY_CLIP, "preprocess_cfg": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]}}
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    config_file = folder / "tiny-clip-test.json"
    config_file.write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(config_file)
    torch.manual_seed(0)
    model = open_clip.create_model("tiny-clip-test", pretrained=None)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, folder / "open_clip_model.safetensors")
    return folder
