"""Training the attribute model: `shopagent train attributes`.

Category: Fashion-MNIST's 60,000 training images (real Zalando product shots, 10 classes) plus
renders of all 15 catalog categories, seen the same way (`fmnist_view`), so the five classes
Fashion-MNIST lacks (skirt, jeans, shorts, hoodie, jacket) are learnt too. Pattern: patches cut
from renders at random places, scales and quarter turns. Renders use seeds the demo catalog
never uses, so the demo catalog stays held out.

Reported: accuracy on the Fashion-MNIST test set (10,000 images; the prediction is the best of
its 10 classes), and on held-out renders for category (15 classes) and pattern.
"""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage
from torch import nn
from tqdm import tqdm

from index.cutout import garment_mask
from index.demo import category_attributes
from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS, FASHION_MNIST_LABELS, FITS, PATTERNS
from retrieval.attributes import (
    CATEGORY_NAMES,
    AttributeModel,
    CategoryNet,
    PatternNet,
    fmnist_view,
    texture_patch,
    work_image,
)
from shopagent.errors import NotReady

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FMNIST_TO_CATEGORY = np.array([CATEGORY_NAMES.index(name) for name in FASHION_MNIST_LABELS])
RENDER_SEED = 1_000_003  # far from the demo catalog's image seeds' generator
PATCHES_PER_RENDER = 6
MODEL_VERSION = 1


class DatasetMissing(NotReady):
    """Fashion-MNIST is not installed."""


@dataclass
class TrainReport:
    fmnist_test_accuracy: float
    render_category_accuracy: float
    render_pattern_accuracy: float
    fmnist_train_images: int
    renders: int
    epochs: int
    seconds: float


def load_fashion_mnist(root: Path = FASHION_MNIST_DIR) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) as uint8 arrays."""
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz"]
    missing = [n for n in names if not (root / n).is_file()]
    if missing:
        raise DatasetMissing(f"Fashion-MNIST is not in {root} (missing {', '.join(missing)}). "
                             "Install it with `sudo apt-get install dataset-fashion-mnist` (make test does).")
    arrays = []
    for name in names:
        data = gzip.decompress((root / name).read_bytes())
        offset = 16 if "images" in name else 8
        arr = np.frombuffer(data, np.uint8, offset=offset).copy()
        arrays.append(arr.reshape(-1, 28, 28) if "images" in name else arr)
    return arrays[0], arrays[1], arrays[2], arrays[3]


# ---------------------------------------------------------------- renders


def _random_spec(rng: np.random.Generator, category: str) -> GarmentSpec:
    colours = list(COLOURS)
    colour, secondary = rng.choice(len(colours), 2, replace=False)
    return GarmentSpec(category=category, colour=COLOURS[colours[colour]], secondary=COLOURS[colours[secondary]],
                       pattern=str(rng.choice(PATTERNS)), fit=str(rng.choice(FITS)),
                       attributes=category_attributes(rng, category), seed=int(rng.integers(0, 2**31)))


def _render_sample(spec_seed: tuple[dict, int]) -> tuple[np.ndarray, np.ndarray]:
    """One render's Fashion-MNIST view and a few texture patches."""
    spec, seed = spec_seed
    rng = np.random.default_rng(seed)
    image, _ = render_garment(GarmentSpec(**spec))
    rgb = work_image(image)
    mask = garment_mask(rgb)
    inner = ndimage.binary_erosion(mask, iterations=6)
    ys, xs = np.nonzero(inner if inner.any() else mask)
    patches = []
    for _ in range(PATCHES_PER_RENDER):
        i = int(rng.integers(len(ys)))
        patch = texture_patch(rgb, mask, centre=(ys[i], xs[i]), scale=float(rng.uniform(0.5, 1.3)))
        patches.append(np.rot90(patch, int(rng.integers(4)), axes=(1, 2)))
    return fmnist_view(rgb, mask), np.stack(patches)


def render_set(per_category: int, seed: int, workers: int, desc: str) -> dict[str, np.ndarray]:
    """Views, category labels, patches and pattern labels of freshly rendered garments."""
    rng = np.random.default_rng(seed)
    specs = [_random_spec(rng, c) for c in CATEGORY_NAMES for _ in range(per_category)]
    jobs = [(asdict(s), int(rng.integers(2**31))) for s in specs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(tqdm(pool.map(_render_sample, jobs, chunksize=8), total=len(jobs), desc=desc, unit="img"))
    return {
        "views": np.stack([r[0] for r in results]).astype(np.float32),
        "categories": np.array([CATEGORY_NAMES.index(s.category) for s in specs]),
        "patches": np.concatenate([r[1] for r in results]).astype(np.float32),
        "patterns": np.repeat([PATTERNS.index(s.pattern) for s in specs], PATCHES_PER_RENDER),
    }


# ---------------------------------------------------------------- training


def _augment_views(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 2 px, the usual Fashion-MNIST augmentation."""
    flip = torch.rand(len(x), generator=rng) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = nn.functional.pad(x, (2, 2, 2, 2))
    dy, dx = (int(v) for v in torch.randint(0, 5, (2,), generator=rng))
    return padded[..., dy:dy + 28, dx:dx + 28]


def _augment_patches(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Random colour-channel order and flips: a pattern is a pattern in any colours."""
    order = torch.randperm(3, generator=rng)
    x = x[:, order]
    if torch.rand(1, generator=rng) < 0.5:
        x = x.flip(-1)
    return x


def fit(net: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, augment: Callable, seed: int,
        desc: str, batch: int = 256, lr: float = 3e-3) -> None:
    """AdamW with a one-cycle schedule; a progress bar per epoch."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        bar = tqdm(range(0, len(x), batch), desc=f"{desc} epoch {epoch + 1}/{epochs}", unit="batch", leave=False)
        for start in bar:
            idx = order[start:start + batch]
            loss = loss_fn(net(augment(x[idx], gen)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    net.eval()


@torch.inference_mode()
def predict(net: nn.Module, x: torch.Tensor, allowed: np.ndarray | None = None, batch: int = 1024) -> np.ndarray:
    """Arg-max class per row; with allowed, only among those classes."""
    out = []
    for start in range(0, len(x), batch):
        logits = net(x[start:start + batch])
        if allowed is not None:
            logits = logits[:, allowed]
        out.append(logits.argmax(-1).numpy())
    pred = np.concatenate(out)
    return allowed[pred] if allowed is not None else pred


def train_attribute_model(epochs: int = 12, renders_per_category: int = 120, fmnist_limit: int | None = None,
                          seed: int = 0, workers: int | None = None, log: Callable[[str], None] = print,
                          fmnist_root: Path = FASHION_MNIST_DIR) -> tuple[AttributeModel, TrainReport]:
    """Train both nets and measure them on held-out data."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    workers = workers or os.cpu_count() or 1
    x_train, y_train, x_test, y_test = load_fashion_mnist(fmnist_root)
    if fmnist_limit:
        x_train, y_train = x_train[:fmnist_limit], y_train[:fmnist_limit]
        x_test, y_test = x_test[:fmnist_limit], y_test[:fmnist_limit]
    train_renders = render_set(renders_per_category, RENDER_SEED + seed, workers, "render (train)")
    test_renders = render_set(max(2, renders_per_category // 6), RENDER_SEED + seed + 1, workers, "render (test)")

    repeat = max(1, len(x_train) // (10 * len(train_renders["views"])))  # renders weigh about a tenth
    views = torch.cat([torch.from_numpy(x_train).float()[:, None] / 255.0,
                       torch.from_numpy(train_renders["views"])[:, None].repeat(repeat, 1, 1, 1)])
    labels = torch.cat([torch.from_numpy(FMNIST_TO_CATEGORY[y_train]),
                        torch.from_numpy(train_renders["categories"]).repeat(repeat)])
    category_net = CategoryNet()
    log(f"category net: {len(views)} images ({len(x_train)} Fashion-MNIST, renders x{repeat}), {epochs} epochs")
    fit(category_net, views, labels, epochs, _augment_views, seed, "category")

    patches = torch.from_numpy(train_renders["patches"])
    pattern_net = PatternNet()
    log(f"pattern net: {len(patches)} patches, {epochs} epochs")
    fit(pattern_net, patches, torch.from_numpy(train_renders["patterns"]), epochs, _augment_patches, seed, "pattern")

    test_views = torch.from_numpy(x_test).float()[:, None] / 255.0
    fmnist_pred = predict(category_net, test_views, allowed=FMNIST_TO_CATEGORY)
    render_cat = predict(category_net, torch.from_numpy(test_renders["views"])[:, None])
    render_pat = predict(pattern_net, torch.from_numpy(test_renders["patches"]))
    report = TrainReport(
        fmnist_test_accuracy=float(np.mean(fmnist_pred == FMNIST_TO_CATEGORY[y_test])),
        render_category_accuracy=float(np.mean(render_cat == test_renders["categories"])),
        render_pattern_accuracy=float(np.mean(render_pat == test_renders["patterns"])),
        fmnist_train_images=len(x_train), renders=len(train_renders["views"]), epochs=epochs,
        seconds=round(time.perf_counter() - start, 1),
    )
    meta = {"version": f"{MODEL_VERSION}-{int(time.time())}", "categories": CATEGORY_NAMES,
            "patterns": list(PATTERNS), "category_net": {}, "pattern_net": {}, "report": asdict(report)}
    return AttributeModel(category_net, pattern_net, meta, "trained in this process"), report

