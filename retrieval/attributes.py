"""Garment attribute recognition: category, dominant colours and pattern, from one image.

Works on product shots (garment on a plain background) and on photos with a busy background
(the garment is cut out with GrabCut from a centred box; both masks come from index/cutout.py,
shared with try-on), or on any region a caller passes as a mask (a garment worn in a photo: the
body module knows where the torso is).

- category: `CategoryNet`, a small CNN on the Fashion-MNIST view of the garment (grey, inverted,
  background black, longest side 28 px), trained by `shopagent train attributes` on
  Fashion-MNIST plus demo renders for the five categories Fashion-MNIST lacks.
- colours: k-means in CIELAB over the garment's pixels, each cluster named by the nearest
  catalog colour (CIEDE2000).
- pattern: `PatternNet`, a small CNN on a texture patch from inside the garment.

The image work (`prepare`: work size, white balance, mask, views, colours) is apart from the nets
(`AttributeModel.recognize_prepared`), so the index build runs it in worker processes.

The weights are one file (both nets and their metadata). The repository ships one trained by
that command (`retrieval/weights/attributes.pt`); a newer one in the data directory wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab
from torch import nn

from index.cutout import GRABCUT, GrabCut, erode, garment_mask, plain_background
from index.vocab import CATEGORIES, COLOURS, PATTERNS
from shopagent.errors import NotReady

CATEGORY_NAMES: list[str] = list(CATEGORIES)
COLOUR_NAMES: list[str] = list(COLOURS)
PACKAGED_WEIGHTS = Path(__file__).parent / "weights" / "attributes.pt"
FMNIST_SIDE = 28
PATCH_SIDE = 48
WORK_SIDE = 256  # images are analysed at this longest side: enough for colour and texture, and fast
MIN_COLOUR_SHARE = 0.12
COLOUR_SAMPLES = 3000  # colours are read from about this many of the garment's pixels


class AttributeModelMissing(NotReady):
    """No trained attribute weights were found."""


# ---------------------------------------------------------------- networks


class CategoryNet(nn.Module):
    """Four 3x3 convolutions and a small head: about 93% on Fashion-MNIST, 0.8 MB."""

    def __init__(self, n_classes: int = len(CATEGORY_NAMES), width: int = 32, embed: int = 64) -> None:
        super().__init__()
        w = width
        self.embed_dim = embed

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.body = nn.Sequential(*block(1, w), *block(w, w), nn.MaxPool2d(2), nn.Dropout(0.1),
                                  *block(w, 2 * w), *block(2 * w, 2 * w), nn.MaxPool2d(2), nn.Dropout(0.2),
                                  nn.Flatten(), nn.Linear(2 * w * 7 * 7, embed), nn.BatchNorm1d(embed),
                                  nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(embed, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


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


def fmnist_view(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The garment as Fashion-MNIST draws it: grey, inverted, black background, 28x28, float in [0, 1]."""
    y0, y1, x0, x1 = _bbox(mask)
    grey = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float32)
    inverted = np.where(mask, 255.0 - grey, 0.0)[y0:y1, x0:x1]
    side = max(y1 - y0, x1 - x0)
    canvas = np.zeros((side, side), np.float32)
    oy, ox = (side - (y1 - y0)) // 2, (side - (x1 - x0)) // 2
    canvas[oy:oy + y1 - y0, ox:ox + x1 - x0] = inverted
    small = Image.fromarray(canvas).resize((FMNIST_SIDE, FMNIST_SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


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
                "colours": [list(c) for c in self.colours], "pattern": self.pattern,
                "pattern_confidence": round(self.pattern_confidence, 3)}


class AttributeModel:
    """Both nets, loaded once, run on the CPU (they are small)."""

    def __init__(self, category_net: CategoryNet, pattern_net: PatternNet, meta: dict, source: str) -> None:
        self.category_net = category_net.eval()
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
        if meta.get("categories") != CATEGORY_NAMES or meta.get("patterns") != list(PATTERNS):
            raise AttributeModelMissing(f"{path} was trained for another vocabulary; run `shopagent train attributes`.")
        category_net, pattern_net = CategoryNet(**meta["category_net"]), PatternNet(**meta["pattern_net"])
        category_net.load_state_dict(blob["category_net"])
        pattern_net.load_state_dict(blob["pattern_net"])
        return cls(category_net, pattern_net, meta, str(path))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save({"meta": self.meta, "category_net": self.category_net.state_dict(),
                    "pattern_net": self.pattern_net.state_dict()}, tmp)
        tmp.replace(path)

    def recognize(self, image: Image.Image, mask: np.ndarray | None = None) -> GarmentAttributes:
        """Attributes of the garment in image (inside mask, when given, at the image's size)."""
        return self.recognize_many([image], [mask])[0]

    def recognize_many(self, images: list[Image.Image],
                       masks: list[np.ndarray | None] | None = None) -> list[GarmentAttributes]:
        """Attributes of many garments: the image work one by one, each net once for the whole batch."""
        return self.recognize_prepared([prepare(im, mk) for im, mk in zip(images, masks or [None] * len(images))])

    @torch.inference_mode()
    def recognize_prepared(self, prepared: list[PreparedImage]) -> list[GarmentAttributes]:
        """Attributes from images already prepared (`prepare`): both nets once for the whole list."""
        if not prepared:
            return []
        views = torch.from_numpy(np.stack([p.view for p in prepared]))[:, None]
        patches = torch.from_numpy(np.stack([p.patch for p in prepared]))
        cat_embed, pat_embed = self.category_net.embed(views), self.pattern_net.embed(patches)
        cat_prob = torch.softmax(self.category_net.head(cat_embed), -1)
        pat_prob = torch.softmax(self.pattern_net.head(pat_embed), -1)
        return [
            GarmentAttributes(
                category=CATEGORY_NAMES[int(cat_prob[n].argmax())], category_confidence=float(cat_prob[n].max()),
                colours=p.colours, pattern=PATTERNS[int(pat_prob[n].argmax())],
                pattern_confidence=float(pat_prob[n].max()), shape_vector=_unit(cat_embed[n].numpy()),
                texture_vector=_unit(pat_embed[n].numpy()), colour_vector=p.colour_vector,
            )
            for n, p in enumerate(prepared)
        ]


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

    view: np.ndarray  # the Fashion-MNIST view, 28x28
    patch: np.ndarray  # the texture patch, 3x48x48
    colours: list[tuple[str, float]]
    colour_vector: np.ndarray  # the colour histogram, unit length


def prepare(image: Image.Image, mask: np.ndarray | None = None, grabcut: GrabCut = GRABCUT) -> PreparedImage:
    """The image work of recognition for one image: work size, white balance, mask, views and colours."""
    rgb = white_balance(work_image(image))
    if mask is None:
        mask = garment_mask(rgb, grabcut)
    elif mask.shape != rgb.shape[:2]:
        mask = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(rgb.shape[1::-1])) > 127
    if not mask.any():
        raise ValueError("the garment mask is empty")
    lab = garment_lab(rgb, mask)
    return PreparedImage(fmnist_view(rgb, mask), texture_patch(rgb, mask), dominant_colours(rgb, mask, lab=lab),
                         _unit(colour_histogram(rgb, mask, lab=lab)))


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / (np.linalg.norm(v) + 1e-8)).astype(np.float32)


def attribute_weights_path(data_dir: Path) -> Path:
    """The data directory's trained model when there is one, else the one the repository ships."""
    local = data_dir / "models" / "attributes.pt"
    return local if local.is_file() else PACKAGED_WEIGHTS
