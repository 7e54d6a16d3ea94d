"""The diffusion engine: CatVTON-style try-on with a diffusers inpainting pipeline.

The person (with the garment's region painted out by an agnostic mask) and the product shot
are put side by side in one picture; the inpainting pipeline repaints only the masked region
of the person half, while attending to the garment half, and the person half is cut back out.
Outside the mask the photo's own pixels are kept exactly.

- `tryon_base_model`: a diffusers inpainting model (a folder or an HF id in the local cache).
- `tryon_attn_weights`: optional try-on attention weights (CatVTON's), loaded into the UNet's
  attention layers. Most published try-on weights, CatVTON's included, are licensed for
  non-commercial use only: they load only when `tryon_allow_noncommercial` is set on purpose.
- fp16 on a GPU; on a CPU a warning gives the time the remaining steps will take, measured on
  the first step. Steps, guidance, seed and working size come from the settings.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from PIL import Image

from shopagent.hub import find_local_model, resolve_device
from shopagent.settings import Settings
from tryon.body import PhotoError, pose, work_rgb
from tryon.engines import ModelMissing, TryOnError, TryOnOptions, TryOnResult
from tryon.agnostic import agnostic_mask
from tryon.garment import GarmentError, cut_out, kind_of

log = logging.getLogger(__name__)
NONCOMMERCIAL = ("zhengchong/CatVTON",)
class DiffusionEngine:
    id = "diffusion"

    def __init__(self, pipeline, settings: Settings) -> None:  # noqa: ANN001 (a diffusers inpainting pipeline)
        self.pipeline = pipeline
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> DiffusionEngine:
        import torch
        from diffusers import StableDiffusionInpaintPipeline

        path = find_local_model(settings.tryon_base_model)
        if path is None:
            raise ModelMissing(f"the diffusion engine's model {settings.tryon_base_model} is not on this machine "
                               f"(huggingface-cli download {settings.tryon_base_model})")
        device = resolve_device(settings.device)
        cuda = device.startswith("cuda")
        pipeline = StableDiffusionInpaintPipeline.from_pretrained(
            str(path), dtype=torch.float16 if cuda else torch.float32, safety_checker=None,
            requires_safety_checker=False)
        pipeline.set_progress_bar_config(disable=True)
        pipeline = pipeline.to(device)
        if settings.tryon_attn_weights:
            _load_attention(pipeline, settings)
        return cls(pipeline, settings)

    def try_on(self, person: Image.Image, garment: Image.Image, category: str,
               options: TryOnOptions | None = None) -> TryOnResult:
        import torch

        t0 = time.perf_counter()
        kind = kind_of(category)
        try:
            found = pose(person)
            g = cut_out(garment, category)
        except (PhotoError, GarmentError) as exc:
            raise TryOnError(str(exc)) from None
        rgb = work_rgb(person)
        mask = agnostic_mask(found, kind)
        t1 = time.perf_counter()
        h, w = self.settings.tryon_height, self.settings.tryon_width
        person_in = Image.fromarray(np.where(mask[..., None], 128, rgb).astype(np.uint8)).resize((w, h))
        flat = np.where(g.mask[..., None], g.rgba[..., :3], 255).astype(np.uint8)
        garment_in = _fit(Image.fromarray(flat), (w, h))
        pair = Image.new("RGB", (2 * w, h))
        pair.paste(person_in, (0, 0))
        pair.paste(garment_in, (w, 0))
        mask_pair = Image.new("L", (2 * w, h), 0)
        mask_pair.paste(Image.fromarray((mask * 255).astype(np.uint8)).resize((w, h)), (0, 0))
        generator = torch.Generator(device="cpu").manual_seed(self.settings.tryon_seed)
        steps = self.settings.tryon_steps
        out = self.pipeline(prompt="", image=pair, mask_image=mask_pair, height=h, width=2 * w,
                            num_inference_steps=steps, guidance_scale=self.settings.tryon_guidance,
                            generator=generator, callback_on_step_end=_eta(steps, self.pipeline.device.type),
                            output_type="np").images[0]
        t2 = time.perf_counter()
        painted = Image.fromarray((out[:, :w] * 255).round().astype(np.uint8)).resize(rgb.shape[1::-1])
        result = np.where(mask[..., None], np.asarray(painted), rgb).astype(np.uint8)
        t3 = time.perf_counter()
        timings = {"prepare_ms": (t1 - t0) * 1000, "denoise_ms": (t2 - t1) * 1000, "paste_ms": (t3 - t2) * 1000,
                   "total_ms": (t3 - t0) * 1000}
        return TryOnResult(Image.fromarray(result), mask, timings, self.id)


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The garment centred on white at size, aspect kept."""
    canvas = Image.new("RGB", size, (255, 255, 255))
    copy = image.copy()
    copy.thumbnail(size)
    canvas.paste(copy, ((size[0] - copy.width) // 2, (size[1] - copy.height) // 2))
    return canvas


def _eta(steps: int, device: str):  # noqa: ANN202 (a diffusers step callback)
    started = time.perf_counter()

    def callback(pipe, step: int, timestep, kwargs: dict) -> dict:  # noqa: ANN001
        if step == 0 and device == "cpu" and steps > 1:
            left = (time.perf_counter() - started) * (steps - 1)
            log.warning("the diffusion engine runs on the CPU: about %.0f s more for %d steps (a GPU takes "
                        "seconds).", left, steps - 1)
        return kwargs

    return callback


def _load_attention(pipeline, settings: Settings) -> None:  # noqa: ANN001
    """Try-on attention weights into the UNet's attention layers, if licensed for this use."""
    weights_id = settings.tryon_attn_weights
    if weights_id in NONCOMMERCIAL and not settings.tryon_allow_noncommercial:
        raise TryOnError(f"{weights_id} is licensed for non-commercial use only; set tryon_allow_noncommercial = "
                         "true to load it on purpose, or set tryon_attn_weights = \"\".")
    path = find_local_model(weights_id)
    if path is None:
        log.warning("try-on attention weights %s are not on this machine; using the base inpainting model alone.",
                    weights_id)
        return
    from safetensors.torch import load_file

    files = sorted(Path(path).rglob("attention/*.safetensors")) or sorted(Path(path).rglob("*.safetensors"))
    if not files:
        raise TryOnError(f"no .safetensors attention weights in {path}.")
    state = load_file(str(files[0]))
    missing, unexpected = pipeline.unet.load_state_dict(state, strict=False)
    if len(unexpected) == len(state):
        raise TryOnError(f"{files[0].name} holds no weights this UNet's attention layers take.")
    log.info("loaded %d try-on attention tensors from %s", len(state) - len(unexpected), files[0])
