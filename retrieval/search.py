"""Product search: text, image, or an image with a change in words, under exact filters.

One call: parse the words (retrieval.query), embed what is left (or the image, or both for a
composed query), find the products that pass every filter, rank them by similarity, spread the
top with MMR, and say for each result why it matched.

Filters and vectors meet one of two ways, whichever is cheaper at that catalog size:
- exact: when the filtered set is small (at most EXACT_LIMIT ids, or under 5% of the index),
  score exactly those ids' stored vectors;
- post-filter: otherwise ask the ANN index for more than needed (k / selectivity, doubled
  until enough pass) and drop what fails the filters.
The filters decide membership, vectors only order, with three softenings for real catalogs:
- a wanted value a product's data does not know (no colour given nor confidently read from its
  photo, category 'other') does not exclude it; it ranks it a little lower (UNKNOWN_PENALTY),
  and a note says which words ranked rather than filtered;
- when nothing passes, constraints give way in RELAXATIONS' order and a note says which;
- when fewer than k pass, the closest follow them: the category's family, then the nearest colours.
`SearchResponse.relaxed` names what gave way; with it empty, every result passes every filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from PIL import Image
from skimage.color import rgb2lab

from index.products import OTHER, Filters, ProductRow, ProductTable, family_of, unknown_value
from index.store import Store
from index.vector_index import VectorIndex
from index.taxonomy import load_taxonomy
from index.vocab import SIZE_LABELS
from retrieval.attributes import AttributeModel, GarmentAttributes, attribute_weights_path, garment_crop
from retrieval.embedders import Embedder, load_embedder, normalise
from retrieval.indexer import index_folder
from retrieval.query import ParsedQuery, QueryError, parse_query
from retrieval.priors import PART_OF_FAMILY, worn_prior
from retrieval.zeroshot import with_zero_shot, zero_shot_for
from shopagent.settings import Settings

EXACT_LIMIT = 50_000
TEXT_DIVERSITY = 0.2
EXACT_SHARE = 0.05
IMAGE_WEIGHT_IN_COMPOSED = 0.5
MIN_CATEGORY_CONFIDENCE = 0.5
LONGER = {"shorts": {"categories": {"trousers", "jeans"}}, "skirt": {"lengths": {"midi", "maxi"}},
          "dress": {"lengths": {"midi", "maxi"}}}
SHORTER = {"trousers": {"categories": {"shorts"}}, "jeans": {"categories": {"shorts"}},
           "skirt": {"lengths": {"mini", "midi"}}, "dress": {"lengths": {"mini", "midi"}}}


FILL_GAP = 1.0  # products that top up too few results rank below every one that passes
NEAR_COLOURS = 2
UNKNOWN_PENALTY = 0.05  # per wanted value a product's data cannot confirm: known matches rank first


def _without(**cleared: object):  # noqa: ANN202 (a Filters -> Filters step)
    return lambda f: replace(f, **{name: (set() if isinstance(getattr(f, name), set) else value)
                                   for name, value in cleared.items()})


def _widen_to_family(f: Filters) -> Filters:
    families = {family_of(c) for c in f.categories} - {""}
    return replace(f, categories=set(), families=f.families | families) if families else f


@lru_cache(maxsize=1)
def _colour_neighbours() -> dict[str, tuple[str, ...]]:
    """Each colour family's NEAR_COLOURS nearest others in CIELAB (green: teal, olive; navy: black, blue)."""
    named = {name: rgb for name, rgb in load_taxonomy().colours.items() if rgb is not None}
    lab = {name: rgb2lab(np.array([[rgb]], np.uint8))[0, 0] for name, rgb in named.items()}
    return {name: tuple(sorted((o for o in lab if o != name), key=lambda o: float(np.linalg.norm(lab[o] - lab[name])))
                        [:NEAR_COLOURS]) for name in lab}


def _near_colours(f: Filters) -> Filters:
    near = {n for c in f.colours for n in _colour_neighbours().get(c, ())} - f.exclude_colours
    return replace(f, colours=f.colours | near) if f.colours else f


FILLS = [_widen_to_family, _near_colours]  # how too few results are topped up, one after another
RELAXATIONS = [  # in the order they give way: the least telling first
    ("pattern", _without(patterns=None, exclude_patterns=None)),
    ("material", _without(materials=None, exclude_materials=None)),
    ("category", _widen_to_family),  # a shop's "blouse" may be the shopper's "shirt": before the colour goes
    ("near colour", _near_colours),  # a photo read as teal may be the shopper's green
    ("colour", _without(colours=None, exclude_colours=None)),
    ("cut", _without(lengths=None, sleeves=None, fits=None, exclude_fits=None)),
    ("size", _without(size=None, in_stock=False)),
    ("price", _without(price_min=None, price_max=None)),
    ("brand", _without(brands=None, exclude_brands=None)),
    ("gender", _without(gender=None)),
]


def ranked_words(wanted: Filters, products: list[ProductRow]) -> str:
    """The note that says which wanted values ranked some results instead of filtering them."""
    counts: dict[str, int] = {}
    for p in products:
        for name in wanted.unknowns(p):
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return ""
    parts = [f"its {name} for {n} of {len(products)}" for name, n in sorted(counts.items())]
    return ("The catalog does not say " + "; ".join(parts) + " of these, so those words ranked them (by photo and "
            "description) instead of filtering them out.")


class UnknownFilterValue(QueryError):
    """A filter names a value the catalog does not have."""

    code = "unknown_filter_value"


@dataclass
class SearchHit:
    product: ProductRow
    score: float
    why: list[str]

    def as_dict(self) -> dict:
        return self.product.card() | {"score": round(self.score, 4), "why": self.why}


@dataclass
class SearchResponse:
    hits: list[SearchHit]
    understood: list[str]
    strategy: str
    candidates: int
    embedder_id: str
    notes: list[str] = field(default_factory=list)
    image_attributes: dict | None = None
    relaxed: list[str] = field(default_factory=list)  # constraints dropped because nothing met them all


# Finds the garments worn in a photo of a person: (part, mask) for the part named, or with None the top and the
# bottom, the main one first; empty when the photo shows no person. tryon/worn.py has one; the agent's services
# pass it in (retrieval does not import tryon).
WornFinder = Callable[[Image.Image, str | None], list[tuple[str, np.ndarray, str | None]]]
SORT_POOL = 50  # matches sorted when the shopper asks for the cheapest or the dearest
ORDERS: dict[str, tuple[Callable[[SearchHit], float], str]] = {
    "price_low": (lambda h: h.product.price, "cheapest first"),
    "price_high": (lambda h: -h.product.price, "most expensive first")}
PART_WORDS = {"top": "top", "bottom": "trousers, skirt or shorts", "dress": "dress", "shoes": "shoes",
              "outerwear": "jacket or coat"}


class SearchService:
    def __init__(self, table: ProductTable, index: VectorIndex, embedder: Embedder,
                 attributes: AttributeModel | None = None, worn: WornFinder | None = None) -> None:
        self.table = table
        self.index = index
        self.embedder = embedder
        self.attributes = attributes
        self.worn = worn

    @classmethod
    def open(cls, store: Store, settings: Settings, worn: WornFinder | None = None) -> tuple[SearchService, str]:
        """The service over the catalog's index, and a note naming the embedder in force."""
        loaded = load_embedder(settings)
        embedder = loaded.embedder
        index, _ = VectorIndex.load(index_folder(settings.data_dir), embedder.id, embedder.dim,
                                    store.catalog_version(), search_params=settings.index_search_params)
        attributes = getattr(embedder, "attributes", None) or AttributeModel.load(
            attribute_weights_path(settings.data_dir))
        return cls(ProductTable.from_store(store), index, embedder, attributes, worn), loaded.note

    # ------------------------------------------------------------ the one entry point

    def search(self, text: str = "", image: Image.Image | None = None, k: int = 10, filters: Filters | None = None,
               diversity: float | None = None, order: str = "relevance") -> SearchResponse:
        """Up to k products; every one passes every filter (typed ones and those read from the text).

        diversity is the MMR trade-off; by default 0.2 for words alone (a broad wish deserves variety)
        and 0 with a photo (the shopper wants that garment, and its closest twins first). order "price_low"
        or "price_high" sorts the best SORT_POOL matches by price ("the cheapest wool coat"), then keeps k.
        """
        if order != "relevance":
            if order not in ORDERS:
                raise QueryError(f"order must be one of relevance, {', '.join(ORDERS)}; not {order!r}.")
            wide = self.search(text, image, SORT_POOL, filters, 0.0)
            key, words = ORDERS[order]
            wide.hits = sorted(wide.hits, key=key)[:k]
            wide.understood = [*wide.understood, words]
            return wide
        if diversity is None:
            diversity = 0.0 if image is not None else TEXT_DIVERSITY
        text = text.strip()
        if not text and image is None:
            raise QueryError("the query is empty: describe what you are looking for, e.g. 'navy linen shirt under "
                             "60', or give a photo.")
        self.validate(filters or Filters())
        parsed = parse_query(text, self.table.brands) if text else None
        wanted = (filters or Filters()).merge(parsed.filters) if parsed else (filters or Filters())
        notes: list[str] = []
        attrs = None
        if image is not None:
            attrs, notes = self._recognise(image, wanted)
            query, wanted, composed_notes = self._composed(image, attrs, parsed, wanted)
            notes += composed_notes
        else:
            assert parsed is not None
            if parsed.length_change:
                raise QueryError("'longer' and 'shorter' change a garment in a photo; add a photo, or say the "
                                 "length you want (mini, midi, maxi).")
            query = self.embedder.encode_texts([parsed.semantic_text or parsed.text])[0]
        pool = max(3 * k, 30)
        ids, scores, strategy, candidates, relaxed = self._rank_relaxing(query, wanted, pool)
        ids, scores, widened, filled = self._fill(query, wanted, ids, scores, k, pool, relaxed)
        if widened:
            relaxed.append(widened)
            notes.append(f"Only {len(ids) - filled} match all of: {'; '.join(self._describe(wanted))}. After them "
                         f"come the closest with {widened} relaxed (shops name garments and colours differently).")
        elif relaxed:
            notes.append(f"Nothing matched all of: {'; '.join(self._describe(wanted))}. I relaxed "
                         f"{relaxed[0]} to show the closest.")
        elif len(ids) == 0:
            notes.append("No product passes all of: " + "; ".join(self._describe(wanted)) + ". Try removing one.")
        chosen = mmr(ids, scores, self.index, k, diversity)
        hits = [SearchHit(self.table.by_id[int(i)], float(s), self._why(self.table.by_id[int(i)], wanted, float(s),
                                                                        image is not None, bool(text)))
                for i, s in chosen]
        ranked = ranked_words(wanted, [h.product for h in hits])
        if ranked:
            notes.append(ranked)
        understood = (parsed.understood if parsed else []) + self._describe(filters or Filters())
        return SearchResponse(hits, understood, strategy, candidates, self.embedder.id, notes,
                              attrs.as_dict() if attrs else None, relaxed)

    def validate(self, filters: Filters) -> None:
        """Typed filter values must exist in the taxonomy: a typo is an error, not zero results."""
        taxonomy = load_taxonomy()
        known = {"categories": set(taxonomy.categories) | {OTHER}, "colours": set(taxonomy.colours),
                 "patterns": set(taxonomy.patterns), "brands": set(self.table.brands),
                 "families": set(taxonomy.families)}
        for name, values in known.items():
            for value in getattr(filters, name) | getattr(filters, f"exclude_{name}", set()):
                if value not in values:
                    kind = {"categories": "category", "families": "family"}.get(name, name[:-1])
                    raise UnknownFilterValue(unknown_value(kind, value, values))
        sizes = {label for labels in SIZE_LABELS.values() for label in labels}
        if filters.size is not None and filters.size not in sizes and filters.size not in self.table.size_labels:
            raise UnknownFilterValue(f"unknown size {filters.size!r}. Sizes are XS-XXL, W26-W38, EU 36-46 and the "
                                     "sizes the shop's products list.")

    # ------------------------------------------------------------ images

    def _recognise(self, image: Image.Image, wanted: Filters) -> tuple[GarmentAttributes | None, list[str]]:
        """The garment in the photo; on a photo of a person, the one worn where the words point (the top, with
        none), and a note saying which one was read."""
        if not self.attributes:
            return None, []
        part = self._part_named(wanted)
        regions = self.worn(image, part) if self.worn else []
        if not regions:
            return self._read(image, None), []
        name, mask, sleeves = regions[0]
        categories = self.attributes.categories
        attrs = self._read(image, mask, worn_prior(categories, name, sleeves, named=part is not None))
        if part is not None:
            return attrs, [f"I read the {PART_WORDS[name]} worn in your photo."]
        note = f"Your photo shows a person: I searched for the {PART_WORDS[name]} they wear"
        others = [PART_WORDS[other] for other, _, _ in regions[1:]]
        if others:
            note += f"; say 'the {others[0]}' to search for that instead"
        return attrs, [note + "."]

    def _read(self, image: Image.Image, mask: np.ndarray | None,
              prior: dict[str, float] | None = None) -> GarmentAttributes:
        """The attribute net's reading (weighed by what the body tells, for a worn garment); with image-text
        weights, category and colours from prompts instead."""
        assert self.attributes is not None
        attrs = self.attributes.recognize(image, mask, prior)
        zero_shot = zero_shot_for(self.embedder)
        if zero_shot is None:
            return attrs
        return with_zero_shot(attrs, zero_shot.recognise([image if mask is None else garment_crop(image, mask)])[0])

    @staticmethod
    def _part_named(wanted: Filters) -> str | None:
        """The part of the body the words' category or family dresses, when it is one a person wears."""
        families = set(wanted.families) | {family_of(c) for c in wanted.categories}
        parts = {PART_OF_FAMILY[f] for f in families if f in PART_OF_FAMILY}
        return parts.pop() if len(parts) == 1 else None

    def _composed(self, image: Image.Image, attrs: GarmentAttributes | None, parsed: ParsedQuery | None,
                  wanted: Filters) -> tuple[np.ndarray, Filters, list[str]]:
        """The query vector and filters for 'this image', or 'this image, changed like so'."""
        encode_attributes = getattr(self.embedder, "encode_attributes", None)
        if attrs is not None and encode_attributes is not None:  # builtin: reuse the recognition just done
            image_vector = encode_attributes([attrs])[0]
        else:
            image_vector = self.embedder.encode_images([image])[0]
        notes = []
        if attrs is None:
            return image_vector, wanted, notes
        wanted = Filters(**{k: (set(v) if isinstance(v, set) else v) for k, v in vars(wanted).items()})
        if not wanted.categories and attrs.category_confidence >= MIN_CATEGORY_CONFIDENCE:
            wanted.categories = {attrs.category}
            notes.append(f"your photo looks like a {attrs.caption()} ({attrs.category_confidence:.0%} sure of the "
                         "category)")
        if parsed is None or not (parsed.has_constraints or parsed.semantic_text):
            return image_vector, wanted, notes
        if parsed.length_change:
            rules = (LONGER if parsed.length_change > 0 else SHORTER).get(attrs.category)
            if rules is None:
                raise QueryError(f"I can make dresses, skirts, shorts and trousers longer or shorter, not a "
                                 f"{attrs.category}.")
            for name, values in rules.items():
                setattr(wanted, name, set(values))
        colours = sorted(wanted.colours) or [c for c, _ in attrs.colours[:2] if c not in wanted.exclude_colours]
        pattern = next(iter(wanted.patterns), "" if attrs.pattern in wanted.exclude_patterns else attrs.pattern)
        category = next(iter(sorted(wanted.categories)), attrs.category)
        caption = " ".join(w for w in [" and ".join(colours), pattern if pattern != "solid" else "",
                                       category.replace("-", " "), parsed.semantic_text] if w)
        text_vector = self.embedder.encode_texts([caption])[0]
        return normalise(IMAGE_WEIGHT_IN_COMPOSED * image_vector + text_vector), wanted, notes

    # ------------------------------------------------------------ ranking

    def _rank_relaxing(self, query: np.ndarray, wanted: Filters,
                       pool: int) -> tuple[np.ndarray, np.ndarray, str, int, list[str]]:
        """_rank, giving constraints up while nothing passes them all; the relaxed ones are returned.

        A query that names a category the catalog holds never comes back empty. One constraint is given
        up if that is enough (the first in RELAXATIONS' order), else they give way in that order, one
        after another. When the shop sells none of the category, its family is taken first.
        """
        ranked = self._rank(query, wanted, pool)
        if len(ranked[0]) or wanted.is_empty():
            return *ranked, []
        start, steps = wanted, [loosen for _, loosen in RELAXATIONS]
        if wanted.categories and not wanted.categories & self.table.categories:
            start, steps = _widen_to_family(wanted), [step for step in steps if step is not _widen_to_family]
            if len((ranked := self._rank(query, start, pool))[0]):
                return *ranked, [self._describe_change(wanted, start)]
        for loosen in steps:  # one at a time
            looser = loosen(start)
            if looser != start and len((ranked := self._rank(query, looser, pool))[0]):
                return *ranked, [self._describe_change(wanted, looser)]
        current = start
        for loosen in steps:  # one after another
            current = loosen(current)
            if len((ranked := self._rank(query, current, pool))[0]):
                return *ranked, [self._describe_change(wanted, current)]
        return *ranked, []

    def _fill(self, query: np.ndarray, wanted: Filters, ids: np.ndarray, scores: np.ndarray, k: int,
              pool: int, relaxed: list[str]) -> tuple[np.ndarray, np.ndarray, str, int]:
        """Fewer than k pass: the closest follow them, the category widened to its family, then the colour
        to its nearest families (a shop's "blouse" is a shopper's "shirt", a photo's teal a shopper's green).

        Those that pass come first (the others' scores are lowered below all of theirs); the widened
        constraints are named, and how many were added.
        """
        if relaxed or len(ids) >= k:
            return ids, scores, "", 0
        wider, added = wanted, 0
        for widen in FILLS:
            if len(ids) >= k:
                break
            wider = widen(wider)
            more_ids, more_scores, _, _ = self._rank(query, wider, pool)
            fresh = ~np.isin(more_ids, ids)
            if not fresh.any():
                continue
            floor = (scores.min() if len(scores) else 0.0) - FILL_GAP
            lowered = more_scores[fresh] - more_scores[fresh].max() + floor
            ids, scores = np.concatenate([ids, more_ids[fresh]]), np.concatenate([scores, lowered]).astype(np.float32)
            added += int(fresh.sum())
        return ids, scores, self._describe_change(wanted, wider) if added else "", added

    def _describe_change(self, before: Filters, after: Filters) -> str:
        """The constraints before has and after lacks, as the answer names them ("colour red and price at most 1")."""
        kept = set(self._describe(after))
        return " and ".join(part for part in self._describe(before) if part not in kept)

    def _rank(self, query: np.ndarray, wanted: Filters, pool: int) -> tuple[np.ndarray, np.ndarray, str, int]:
        """(ids, scores) of the best `pool` products passing the filters, the strategy, and the candidate count."""
        if wanted.is_empty():
            scores, ids = self.index.search(query, pool)
            keep = ids[0] >= 0
            return ids[0][keep], scores[0][keep], f"ANN over all {len(self.index)}", len(self.index)
        candidates = self.table.matching_ids(wanted)
        candidates = candidates[np.isin(candidates, self.index.ids)]
        if len(candidates) <= EXACT_LIMIT or len(candidates) < EXACT_SHARE * len(self.index):
            scores = self.index.exact_scores(query, candidates) if len(candidates) else np.zeros(0, np.float32)
            scores = scores - UNKNOWN_PENALTY * self.table.unknown_counts(wanted, candidates)
            order = np.argsort(-scores)[:pool]
            return candidates[order], scores[order], f"exact over {len(candidates)} filtered", len(candidates)
        allowed = set(candidates.tolist())
        fetch = min(len(self.index), int(pool * len(self.index) / len(candidates) * 2))
        while True:
            scores, ids = self.index.search(query, fetch)
            keep = np.array([int(i) in allowed for i in ids[0]])
            if keep.sum() >= pool or fetch >= len(self.index):
                kept, kept_scores = ids[0][keep], scores[0][keep] - UNKNOWN_PENALTY * self.table.unknown_counts(
                    wanted, ids[0][keep])
                order = np.argsort(-kept_scores)[:pool]
                return kept[order], kept_scores[order], f"ANN top {fetch}, post-filtered", len(candidates)
            fetch = min(len(self.index), fetch * 2)

    # ------------------------------------------------------------ explanations

    @staticmethod
    def _describe(f: Filters) -> list[str]:
        parts = [f"{name} {', '.join(sorted(values))}" for name, values in
                 [("category", f.categories), ("family", f.families), ("colour", f.colours),
                  ("pattern", f.patterns), ("brand", f.brands), ("material", f.materials), ("length", f.lengths),
                  ("sleeves", f.sleeves),
                  ("fit", f.fits),
                  ("not", f.exclude_colours | f.exclude_patterns | f.exclude_brands | f.exclude_materials
                   | f.exclude_categories | f.exclude_families | {f"{x} fit" for x in f.exclude_fits})] if values]
        if f.price_min is not None:
            parts.append(f"price at least {f.price_min:g}")
        if f.price_max is not None:
            parts.append(f"price at most {f.price_max:g}")
        if f.size:
            parts.append(f"size {f.size} in stock")
        if f.gender:
            parts.append(f"for {f.gender}")
        return parts

    @staticmethod
    def _why(p: ProductRow, f: Filters, score: float, by_image: bool, by_text: bool) -> list[str]:
        why = []
        unknown = set(f.unknowns(p))
        if f.categories and "category" not in unknown:
            why.append(f"is a {p.category}" + (" (read from its photo)" if p.source("category") == "image" else ""))
        matched_colours = f.colours & set(p.colours)
        if matched_colours:
            why.append(f"in {', '.join(sorted(matched_colours))}"
                       + (" (read from its photo)" if p.source("colours") == "image" else ""))
        if f.patterns and "pattern" not in unknown:
            why.append(f"pattern {p.pattern}")
        if unknown:
            why.append(f"{', '.join(sorted(unknown))} not known: ranked by its photo and words")
        if f.materials and "material" not in unknown:
            why.append(f"made of {p.material}")
        if f.brands:
            why.append(f"by {p.brand}")
        if f.fits and "fit" not in unknown:
            why.append(f"{p.fit} fit")
        if f.price_min is not None or f.price_max is not None:
            why.append(f"costs {p.price:.2f} {p.currency}")
        if f.size:
            why.append(f"size {f.size} in stock")
        excluded = (f.exclude_colours | f.exclude_patterns | f.exclude_materials | f.exclude_brands
                    | f.exclude_categories | f.exclude_families)
        if excluded:
            why.append(f"not {', '.join(sorted(excluded))}")
        kind = "looks like your photo" if by_image and not by_text else \
            "matches your photo and words" if by_image else "matches your words"
        why.append(f"{kind} (similarity {score:.2f})")
        return why


def mmr(ids: np.ndarray, scores: np.ndarray, index: VectorIndex, k: int, diversity: float) -> list[tuple[int, float]]:
    """Maximal marginal relevance: each pick trades its score against its likeness to earlier picks."""
    if len(ids) == 0:
        return []
    if diversity <= 0:
        return [(int(i), float(s)) for i, s in zip(ids[:k], scores[:k])]
    vectors = index.vectors_of(ids)
    chosen: list[int] = []
    max_sim = np.full(len(ids), -np.inf)
    for _ in range(min(k, len(ids))):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = (1 - diversity) * scores - diversity * penalty
        value[chosen] = -np.inf
        pick = int(np.argmax(value))
        chosen.append(pick)
        max_sim = np.maximum(max_sim, vectors @ vectors[pick])
    return [(int(ids[n]), float(scores[n])) for n in chosen]
