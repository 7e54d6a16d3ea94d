"""Training the attribute model: `shopagent train attributes`.

Category (`GarmentNet`: EfficientNet-Lite0 from ImageNet, its last blocks and a head trained here, on a
colour crop of the garment):
- labelled photos, when given (`--photos DIR --labels CSV`, or `--from-catalog`): the shipped model
  learnt from the CC0 clothing dataset's phone photos (../shared/datasets/clothing), a shop's model
  from its own. Labels are mapped through the taxonomy; a label that names only a family ("Shoes")
  teaches the family: its loss is that of the family's classes together. Photos are split by
  contributor, and accuracy per class is measured on the contributors held out.
- Fashion-MNIST (real Zalando product shots, grey, 28x28), seen as a grey product shot on white;
- renders of the demo catalog's 15 categories (seeds the demo catalog never uses), so the demo shop
  stays recognised.
Augmented with crops, rotations, flips, light and white balance, plain or busy backgrounds, and
rectangles hiding part of the garment (hands, hangers, other garments).

Pattern (`PatternNet`): patches cut from renders at random places, scales and quarter turns; kept from
the current model when fine-tuning on a shop's photos.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from index.cutout import garment_mask
from index.demo import category_attributes
from index.render import GarmentSpec, render_garment
from index.taxonomy import OTHER, load_taxonomy
from index.vocab import CATEGORIES, COLOURS, FASHION_MNIST_LABELS, FITS, PATTERNS
from retrieval.attributes import (
    BACKBONE,
    CATEGORY_NAMES,
    VIEW_SIDE,
    AttributeModel,
    GarmentNet,
    PatternNet,
    garment_view,
    texture_patch,
    view_input,
    white_balance,
    work_image,
)
from retrieval.labelled_photos import LabelledPhoto, split_by_group
from shopagent.errors import NotReady, ShopError

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
RENDER_SEED = 1_000_003  # far from the demo catalog's image seeds' generator
PATCHES_PER_RENDER = 6
MODEL_VERSION = 2


class DatasetMissing(NotReady):
    """Fashion-MNIST is not installed."""


class TrainingError(ShopError):
    """The photos given cannot train a model."""

    code = "training_invalid"


@dataclass
class ClassScore:
    category: str
    photos: int
    right: int


@dataclass
class TrainReport:
    held_out_photos: int  # labelled photos of the held-out contributors (0 when none were given)
    held_out_category_accuracy: float | None  # over labels naming one category
    held_out_family_accuracy: float | None
    per_class: list[ClassScore]
    fmnist_test_accuracy: float | None  # the prediction is the best of Fashion-MNIST's 10 classes
    render_category_accuracy: float
    render_pattern_accuracy: float
    train_photos: int
    fmnist_train_images: int
    renders: int
    epochs: int
    seconds: float
    skipped: dict[str, int] = field(default_factory=dict)


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


def _fashion_mnist_sample(limit: int, seed: int, root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """limit training images drawn at random and the first limit test images; none at all for limit 0."""
    if not limit:
        empty = np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
        return *empty, *empty
    x_train, y_train, x_test, y_test = load_fashion_mnist(root)
    pick = np.random.default_rng(seed).permutation(len(x_train))[:limit]
    return x_train[pick], y_train[pick], x_test[:limit], y_test[:limit]


def fmnist_views(images: np.ndarray) -> np.ndarray:
    """Fashion-MNIST's garments (bright on black) as the net sees a product shot: dark on white, with a mask."""
    views = []
    for img in images:
        big = np.asarray(Image.fromarray(img).resize((112, 112), Image.Resampling.BILINEAR))
        rgb = np.repeat((255 - big)[..., None], 3, axis=2)
        mask = big > 24
        views.append(garment_view(rgb, mask if mask.any() else np.ones_like(mask)))
    return np.stack(views) if views else np.zeros((0, 4, VIEW_SIDE, VIEW_SIDE), np.uint8)


# ---------------------------------------------------------------- photos


def photo_view(path: Path) -> np.ndarray:
    """One photo's view, prepared as recognition prepares it (work size, white balance, garment mask)."""
    with Image.open(path) as image:
        image.draft("RGB", (512, 512))
        rgb = white_balance(work_image(image))
    return garment_view(rgb, garment_mask(rgb))


def photo_views(paths: list[Path], workers: int, cache: Path | None = None) -> np.ndarray:
    """Views of many photos in worker processes; kept in cache (keyed by the files and their times) when given."""
    key = hashlib.sha1("\n".join(f"{p}:{p.stat().st_mtime_ns}" for p in paths).encode()).hexdigest()[:16]
    cached = cache / f"views-{VIEW_SIDE}-{key}.npy" if cache else None
    if cached is not None and cached.is_file():
        return np.load(cached)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        views = list(tqdm(pool.map(photo_view, paths, chunksize=8), total=len(paths), desc="photos", unit="img"))
    out = np.stack(views) if views else np.zeros((0, 4, VIEW_SIDE, VIEW_SIDE), np.uint8)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, out)
    return out


def allowed_classes(photo: LabelledPhoto, classes: list[str]) -> np.ndarray:
    """Which classes a photo's label allows: its category, or every class of its family."""
    allowed = np.zeros(len(classes), bool)
    if photo.category in classes:
        allowed[classes.index(photo.category)] = True
    else:
        families = {name: load_taxonomy().categories[name].family for name in classes}
        allowed[[families[c] == photo.family for c in classes]] = True
    return allowed


# ---------------------------------------------------------------- renders


def _random_spec(rng: np.random.Generator, category: str) -> GarmentSpec:
    colours = list(COLOURS)
    colour, secondary = rng.choice(len(colours), 2, replace=False)
    return GarmentSpec(category=category, colour=COLOURS[colours[colour]], secondary=COLOURS[colours[secondary]],
                       pattern=str(rng.choice(PATTERNS)), fit=str(rng.choice(FITS)),
                       attributes=category_attributes(rng, category), seed=int(rng.integers(0, 2**31)))


def _render_sample(spec_seed: tuple[dict, int]) -> tuple[np.ndarray, np.ndarray]:
    """One render's view and a few texture patches."""
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
    return garment_view(rgb, mask), np.stack(patches)


def render_set(per_category: int, seed: int, workers: int, desc: str) -> dict[str, np.ndarray]:
    """Views, category names, patches and pattern labels of freshly rendered demo garments."""
    rng = np.random.default_rng(seed)
    specs = [_random_spec(rng, c) for c in CATEGORIES for _ in range(per_category)]
    jobs = [(asdict(s), int(rng.integers(2**31))) for s in specs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(tqdm(pool.map(_render_sample, jobs, chunksize=8), total=len(jobs), desc=desc, unit="img"))
    return {
        "views": np.stack([r[0] for r in results]),
        "categories": np.array([s.category for s in specs]),
        "patches": np.concatenate([r[1] for r in results]).astype(np.float32),
        "patterns": np.repeat([PATTERNS.index(s.pattern) for s in specs], PATCHES_PER_RENDER),
    }


# ---------------------------------------------------------------- augmentation


GREY = torch.tensor([0.5, 0.5, 0.5, 0.0]).view(1, 4, 1, 1)


def _uniform(n: int, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=gen)


def _geometry(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random rotation (up to 12 degrees), zoom, shift and mirror; what comes in past the edge is grey."""
    n = len(x)
    angle = _uniform(n, -0.21, 0.21, gen)
    zoom = _uniform(n, 0.85, 1.2, gen)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    shift = _uniform(2 * n, -0.08, 0.08, gen).view(n, 2)
    cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
    theta = torch.stack([torch.stack([flip * cos, -sin, shift[:, 0]], 1),
                         torch.stack([flip * sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x - GREY, grid, align_corners=False) + GREY


def _light(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Brightness, contrast, saturation and white balance of the photo, per image."""
    n = len(x)
    rgb, mask = x[:, :3], x[:, 3:]
    grey = rgb.mean(1, keepdim=True)
    saturation = _uniform(n, 0.6, 1.4, gen).view(n, 1, 1, 1)
    rgb = grey + saturation * (rgb - grey)
    contrast = _uniform(n, 0.7, 1.3, gen).view(n, 1, 1, 1)
    mean = rgb.mean((1, 2, 3), keepdim=True)
    rgb = mean + contrast * (rgb - mean)
    gains = _uniform(3 * n, 0.9, 1.1, gen).view(n, 3, 1, 1) * _uniform(n, 0.75, 1.25, gen).view(n, 1, 1, 1)
    return torch.cat([(rgb * gains).clamp(0, 1), mask], 1)


def _background(x: torch.Tensor, gen: torch.Generator, share: float = 0.3) -> torch.Tensor:
    """For some images, a new plain background (white half the time), toned down as views tone it."""
    n = len(x)
    pick = torch.rand(n, generator=gen) < share
    if not pick.any():
        return x
    colour = torch.where(torch.rand(n, 1, generator=gen) < 0.5, torch.ones(n, 3), torch.rand(n, 3, generator=gen))
    colour = colour + 0.5 * (0.5 - colour)
    outside = (x[:, 3:] < 0.5) & pick.view(n, 1, 1, 1)
    rgb = torch.where(outside, colour.view(n, 3, 1, 1), x[:, :3])
    return torch.cat([rgb, x[:, 3:]], 1)


def _occlusion(x: torch.Tensor, gen: torch.Generator, share: float = 0.3) -> torch.Tensor:
    """For some images, a rectangle of a random colour over part of the garment (a hand, a hanger, a bag)."""
    x = x.clone()
    side = x.shape[-1]
    for i in torch.nonzero(torch.rand(len(x), generator=gen) < share).flatten().tolist():
        h, w = (int(v) for v in torch.randint(side // 8, side // 3, (2,), generator=gen))
        top, left = (int(v) for v in torch.randint(0, side - max(h, w), (2,), generator=gen))
        x[i, :3, top:top + h, left:left + w] = torch.rand(3, 1, 1, generator=gen)
    return x


def augment_views(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Every augmentation, in the order a camera would apply them."""
    return _occlusion(_light(_background(_geometry(x, gen), gen), gen), gen)


def _augment_patches(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Random colour-channel order and flips: a pattern is a pattern in any colours."""
    order = torch.randperm(3, generator=rng)
    x = x[:, order]
    if torch.rand(1, generator=rng) < 0.5:
        x = x.flip(-1)
    return x


# ---------------------------------------------------------------- training


def set_loss(logits: torch.Tensor, allowed: torch.Tensor, smoothing: float = 0.05) -> torch.Tensor:
    """Minus the log of the probability that the class is one the label allows (one class, or a family's)."""
    logp = torch.log_softmax(logits, -1)
    hit = logp.masked_fill(~allowed, float("-inf")).logsumexp(-1)
    return -((1 - smoothing) * hit + smoothing * logp.mean(-1)).mean()


def fit(net: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, augment: Callable, seed: int, desc: str,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], weights: torch.Tensor | None = None,
        prepare: Callable[[torch.Tensor], torch.Tensor] = lambda t: t, batch: int = 128, lr: float = 3e-3,
        device: str = "cpu") -> None:
    """AdamW with a one-cycle schedule; batches drawn by weight when given (rare classes more often). On a GPU the
    net and each batch move there (augmentation included); the net comes back to the CPU at the end."""
    gen = torch.Generator().manual_seed(seed)
    net.to(device)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=lr, weight_decay=5e-4)
    per_epoch = (len(x) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * per_epoch)
    net.train()
    for epoch in range(epochs):
        order = torch.multinomial(weights, len(x), replacement=True, generator=gen) if weights is not None \
            else torch.randperm(len(x), generator=gen)
        bar = tqdm(range(0, len(x), batch), desc=f"{desc} epoch {epoch + 1}/{epochs}", unit="batch", leave=False)
        for start in bar:
            idx = order[start:start + batch]
            loss = loss_fn(net(augment(prepare(x[idx]), gen).to(device)), y[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    net.cpu().eval()


@torch.inference_mode()
def predict(net: nn.Module, x: torch.Tensor, allowed: np.ndarray | None = None, batch: int = 512,
            prepare: Callable[[torch.Tensor], torch.Tensor] = lambda t: t) -> np.ndarray:
    """Arg-max class per row; with allowed, only among those classes."""
    out = []
    for start in range(0, len(x), batch):
        logits = net(prepare(x[start:start + batch]))
        if allowed is not None:
            logits = logits[:, allowed]
        out.append(logits.argmax(-1).numpy())
    pred = np.concatenate(out) if out else np.zeros(0, int)
    return allowed[pred] if allowed is not None else pred


def _weights(allowed: np.ndarray, source_weight: np.ndarray) -> torch.Tensor:
    """Sampling weights: a label shared by n examples weighs 1/sqrt(n) each, times its source's weight."""
    keys = [row.tobytes() for row in allowed]
    counts = Counter(keys)
    return torch.tensor([w / np.sqrt(counts[k]) for k, w in zip(keys, source_weight)], dtype=torch.float64)


@torch.inference_mode()
def _held_out_scores(model: AttributeModel, photos: list[LabelledPhoto],
                     views: np.ndarray) -> tuple[float | None, float | None, list[ClassScore]]:
    """Category accuracy (labels naming a category), family accuracy and per-class scores on held-out photos,
    each photo decided as recognition decides (the family first)."""
    if not photos:
        return None, None, []
    families = load_taxonomy().categories
    pred = []
    for start in range(0, len(views), 256):
        probs = torch.softmax(model.category_net(view_input(torch.from_numpy(views[start:start + 256]))), -1)
        pred += [model._decide(row)[0] for row in probs]
    by_class: dict[str, list[bool]] = {}
    category_hits, family_hits = [], []
    for photo, guess in zip(photos, pred):
        family_hits.append(families[guess].family == photo.family)
        name = photo.category if photo.category != OTHER else f"({photo.family})"
        right = guess == photo.category if photo.category != OTHER else family_hits[-1]
        if photo.category != OTHER:
            category_hits.append(right)
        by_class.setdefault(name, []).append(right)
    scores = [ClassScore(name, len(v), sum(v)) for name, v in sorted(by_class.items())]
    return (float(np.mean(category_hits)) if category_hits else None), float(np.mean(family_hits)), scores


def train_attribute_model(epochs: int = 8, renders_per_category: int = 30, fmnist_limit: int = 1000,
                          photos: list[LabelledPhoto] | None = None, base: AttributeModel | None = None,
                          seed: int = 0, workers: int | None = None, log: Callable[[str], None] = print,
                          fmnist_root: Path = FASHION_MNIST_DIR, cache: Path | None = None,
                          device: str = "cpu") -> tuple[AttributeModel, TrainReport]:
    """Train the garment net (and the pattern net, unless base gives one) and measure them on held-out data."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    workers = workers or os.cpu_count() or 1
    photos = photos or []
    classes = _classes(photos, base)
    train_photos, held_photos = split_by_group(photos) if photos else ([], [])
    if photos and not train_photos:
        raise TrainingError("every photo fell in the held-out part: give photos from more contributors.")

    x_train, y_train, x_test, y_test = _fashion_mnist_sample(fmnist_limit, seed, fmnist_root)
    train_renders = render_set(renders_per_category, RENDER_SEED + seed, workers, "render (train)")
    test_renders = render_set(max(2, renders_per_category // 6), RENDER_SEED + seed + 1, workers, "render (test)")
    photo_train = photo_views([p.path for p in train_photos], workers, cache)
    photo_held = photo_views([p.path for p in held_photos], workers, cache)

    one_hot = np.eye(len(classes), dtype=bool)
    fm_labels = np.array([classes.index(FASHION_MNIST_LABELS[int(v)]) for v in y_train], dtype=int)
    views = np.concatenate([photo_train, fmnist_views(x_train), train_renders["views"]])
    allowed = np.concatenate([np.array([allowed_classes(p, classes) for p in train_photos], bool).reshape(-1, len(classes)),
                              one_hot[fm_labels],
                              one_hot[[classes.index(c) for c in train_renders["categories"]]]])
    # photos are what shoppers send: they weigh most; Fashion-MNIST and renders keep the demo's classes known
    source = np.concatenate([np.full(len(photo_train), 3.0), np.full(len(x_train), 1.0),
                             np.full(len(train_renders["views"]), 1.0)])
    net = GarmentNet(len(classes))
    if base is not None:
        _start_from(net, base, classes)
    net.freeze()
    log(f"garment net: {len(photo_train)} photos, {len(x_train)} Fashion-MNIST, {len(train_renders['views'])} "
        f"renders; {len(classes)} classes; {epochs} epochs")
    fit(net, torch.from_numpy(views), torch.from_numpy(allowed), epochs, augment_views, seed, "garment", set_loss,
        weights=_weights(allowed, source), prepare=view_input, device=device, batch=64, lr=1e-3)

    if base is not None:
        pattern_net = base.pattern_net
    else:
        pattern_net = PatternNet()
        patches = torch.from_numpy(train_renders["patches"])
        log(f"pattern net: {len(patches)} patches, {epochs} epochs")
        fit(pattern_net, patches, torch.from_numpy(train_renders["patterns"]), epochs, _augment_patches, seed,
            "pattern", nn.CrossEntropyLoss(label_smoothing=0.05), batch=256, device=device)

    meta = {"version": f"{MODEL_VERSION}-{int(time.time())}", "net": BACKBONE, "categories": classes,
            "patterns": list(PATTERNS), "category_net": {}, "pattern_net": {}}
    model = AttributeModel(net, pattern_net, meta, "trained in this process")
    category_acc, family_acc, per_class = _held_out_scores(model, held_photos, photo_held)
    fm_allowed = np.array([classes.index(n) for n in FASHION_MNIST_LABELS])
    fm_pred = predict(net, torch.from_numpy(fmnist_views(x_test)), allowed=fm_allowed, prepare=view_input)
    render_cat = predict(net, torch.from_numpy(test_renders["views"]), prepare=view_input)
    render_pat = predict(pattern_net, torch.from_numpy(test_renders["patches"]))
    report = TrainReport(
        held_out_photos=len(held_photos), held_out_category_accuracy=category_acc,
        held_out_family_accuracy=family_acc, per_class=per_class,
        fmnist_test_accuracy=float(np.mean(fm_pred == fm_allowed[y_test])) if len(y_test) else None,
        render_category_accuracy=float(np.mean([classes[i] == c for i, c in
                                                zip(render_cat, test_renders["categories"])])),
        render_pattern_accuracy=float(np.mean(render_pat == test_renders["patterns"])),
        train_photos=len(train_photos), fmnist_train_images=len(x_train), renders=len(train_renders["views"]),
        epochs=epochs, seconds=round(time.perf_counter() - start, 1),
    )
    meta["report"] = asdict(report)
    return model, report


def _classes(photos: list[LabelledPhoto], base: AttributeModel | None) -> list[str]:
    """The shipped classes (or the base model's), then any category the photos name that they lack."""
    classes = list(base.categories if base is not None else CATEGORY_NAMES)
    for name in sorted({p.category for p in photos} - {OTHER} - set(classes)):
        classes.append(name)
    return classes


def _start_from(net: GarmentNet, base: AttributeModel, classes: list[str]) -> None:
    """Fine-tuning: the base model's weights, its head's rows for the classes both know."""
    state = base.category_net.state_dict()
    own = net.state_dict()
    for key, value in state.items():
        if key.startswith("head."):
            continue
        if key in own and own[key].shape == value.shape:
            own[key] = value
    weight, bias = own["head.1.weight"], own["head.1.bias"]
    for i, name in enumerate(base.categories):
        j = classes.index(name)
        weight[j], bias[j] = state["head.1.weight"][i], state["head.1.bias"][i]
    net.load_state_dict(own)
