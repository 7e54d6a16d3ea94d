"""`shopagent bench retrieval`: search quality on the demo catalog and index speed at scale.

Quality, with held-out queries generated from the catalog (nothing here was seen in training):
- text: "red striped dress under 80" from a product's own attributes; relevant = every product
  with those attributes. Run twice: the full search (parsed filters + vectors) and vectors only.
- image: a product shot cropped, rescaled and relit; relevant = the product itself (MRR) and
  its same-attribute siblings, same category, main colour and pattern (recall@10).
- composed: a product shot plus "like this but in navy" or "like this without stripes";
  relevant = the same category and pattern in the new colour, or the same garment plain.
recall@10 is capped (relevant in the top 10 over min(10, relevant)); MRR is the mean 1/rank of
the first relevant result.

Speed, on clustered synthetic unit vectors (the shape real embeddings have; uniform random
vectors make every ANN index look broken): build throughput, single-query latency p50/p95 and
recall@10 against exact search, per FAISS index type and size.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance

from eval.stats import Report, Table, percentiles
from index.images import open_image
from index.products import Filters, ProductRow
from index.store import Store
from index.vector_index import VectorIndex
from retrieval.metrics import capped_recall_at_k, reciprocal_rank
from retrieval.search import SearchService
from shopagent.settings import Settings

PATTERN_WORD = {"stripes": "striped", "checks": "checked", "dots": "polka-dot", "print": "floral"}
FILTER_QUERIES = ["red dress under 50", "navy shirt not striped size M", "leather ankle boots between 60 and 200",
                  "jeans W32 over 40"]  # every result must pass what these parse to
TEMPLATES = ["{q}", "looking for a {q}", "do you have a {q}?", "I want a {q}", "show me {q}s"]


@dataclass
class Row:
    section: str
    measure: str
    value: float | str
    target: str = ""
    passed: bool | None = None


@dataclass
class Query:
    text: str
    relevant: set[int]
    image: Image.Image | None = None
    exact: int | None = None  # the product an image query was made from


# ---------------------------------------------------------------- query generation


def _matches(p: ProductRow, category: str, colour: str | None, pattern: str | None, material: str | None,
             price_max: float | None) -> bool:
    return (p.category == category and (colour is None or colour in p.colours)
            and (pattern is None or p.pattern == pattern) and (material is None or p.material == material)
            and (price_max is None or p.price <= price_max))


def text_queries(rows: list[ProductRow], n: int, rng: np.random.Generator) -> list[Query]:
    """Attribute queries phrased like shoppers phrase them, each with its full relevant set."""
    queries = []
    for p in rng.choice(rows, size=min(n, len(rows)), replace=False):
        colour = p.colours[0] if rng.random() < 0.8 else None
        pattern = p.pattern if p.pattern != "solid" and rng.random() < 0.6 else None
        material = p.material if rng.random() < 0.3 else None
        price_max = float(np.ceil(p.price / 10) * 10) if rng.random() < 0.3 else None
        words = [colour or "", PATTERN_WORD.get(pattern or "", ""), material or "", p.category.replace("-", " ")]
        q = " ".join(w for w in words if w)
        text = str(rng.choice(TEMPLATES)).format(q=q) + (f" under {price_max:g}" if price_max else "")
        relevant = {r.id for r in rows if _matches(r, p.category, colour, pattern, material, price_max)}
        queries.append(Query(text, relevant))
    return queries


def alter(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A different shot of the same product: cropped, rescaled, relit."""
    w, h = image.size
    dx, dy = rng.uniform(0, 0.08, 2)
    box = (int(dx * w), int(dy * h), int(w * (1 - rng.uniform(0, 0.08))), int(h * (1 - rng.uniform(0, 0.08))))
    scale = rng.uniform(0.6, 1.4)
    out = image.crop(box)
    out = out.resize((max(64, int(out.width * scale)), max(64, int(out.height * scale))), Image.Resampling.BILINEAR)
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.8, 1.15))
    return ImageEnhance.Contrast(out).enhance(rng.uniform(0.85, 1.15))


def image_queries(rows: list[ProductRow], load: Callable[[ProductRow], Image.Image], n: int,
                  rng: np.random.Generator) -> list[Query]:
    with_images = [r for r in rows if r.image]
    queries = []
    for p in rng.choice(with_images, size=min(n, len(with_images)), replace=False):
        siblings = {r.id for r in rows if r.category == p.category and r.colours[:1] == p.colours[:1]
                    and r.pattern == p.pattern}
        queries.append(Query("", siblings, alter(load(p), rng), exact=p.id))
    return queries


def composed_queries(rows: list[ProductRow], load: Callable[[ProductRow], Image.Image], n: int,
                     rng: np.random.Generator) -> list[Query]:
    """'like this but in <colour>' (targets that exist) and 'like this without <pattern>'."""
    with_images = [r for r in rows if r.image]
    queries: list[Query] = []
    for p in rng.permutation(with_images):
        if len(queries) >= n:
            break
        if p.pattern != "solid" and rng.random() < 0.4:
            text = f"like this without {PATTERN_WORD[p.pattern].replace('polka-dot', 'dots').replace('floral', 'print')}"
            relevant = {r.id for r in rows if r.category == p.category and r.pattern == "solid"
                        and p.colours[0] in r.colours}
        else:
            options = sorted({c for r in rows if r.category == p.category and r.pattern == p.pattern
                              for c in r.colours[:1]} - set(p.colours))
            if not options:
                continue
            colour = str(rng.choice(options))
            text = f"like this but in {colour}"
            relevant = {r.id for r in rows if r.category == p.category and r.pattern == p.pattern
                        and colour in r.colours}
        if relevant:
            queries.append(Query(text, relevant, alter(load(p), rng), exact=None))
    return queries


# ---------------------------------------------------------------- quality


def _score(results: list[list[int]], queries: list[Query], exact: bool = False) -> tuple[float, float]:
    recall = np.mean([capped_recall_at_k(r, q.relevant, 10) for r, q in zip(results, queries)])
    targets = [{q.exact} if exact and q.exact is not None else q.relevant for q in queries]
    mrr = np.mean([reciprocal_rank(r, t) for r, t in zip(results, targets)])
    return float(recall), float(mrr)


def quality_rows(service: SearchService, load: Callable[[ProductRow], Image.Image], n: int = 150,
                 seed: int = 0, progress: Callable[[str], None] = lambda s: None) -> list[Row]:
    rng = np.random.default_rng(seed)
    rows = service.table.rows
    target = "recall@10 >= 0.9"  # the target is on attribute (text) queries
    out = []

    progress("text queries")
    texts = text_queries(rows, n, rng)
    hybrid = [[h.product.id for h in service.search(q.text, k=10).hits] for q in texts]
    vectors = service.embedder.encode_texts([q.text for q in texts])
    plain = [list(service.index.search(v, 10)[1][0]) for v in vectors]
    for name, results in (("text, full search", hybrid), ("text, vectors only", plain)):
        recall, mrr = _score(results, texts)
        out += [Row(name, f"recall@10 ({len(texts)} queries)", recall, target if "full" in name else "",
                    recall >= 0.9 if "full" in name else None), Row(name, "MRR", mrr)]

    progress("image queries")
    images = image_queries(rows, load, n, rng)
    found = [[h.product.id for h in service.search(image=q.image, k=10).hits] for q in images]
    recall, _ = _score(found, images)
    _, mrr_exact = _score(found, images, exact=True)
    top1 = float(np.mean([bool(r) and r[0] == q.exact for r, q in zip(found, images)]))
    out += [Row("image (altered shot)", f"recall@10, same-attribute siblings ({len(images)} queries)", recall),
            Row("image (altered shot)", "MRR of the product itself", mrr_exact),
            Row("image (altered shot)", "product itself ranked first", top1)]

    progress("composed queries")
    composed = composed_queries(rows, load, n, rng)
    found = [[h.product.id for h in service.search(q.text, image=q.image, k=10).hits] for q in composed]
    recall, mrr = _score(found, composed)
    out += [Row("composed (photo + change)", f"recall@10 ({len(composed)} queries)", recall),
            Row("composed (photo + change)", "MRR", mrr)]
    return out


def check_filters_exact(service: SearchService, queries: list[str]) -> int:
    """Results that break a parsed filter (must be 0)."""
    from retrieval.query import parse_query

    broken = 0
    for text in queries:
        wanted: Filters = parse_query(text, service.table.brands).filters
        broken += sum(bool(wanted.violations(h.product)) for h in service.search(text, k=20).hits)
    return broken


# ---------------------------------------------------------------- speed


def clustered_vectors(n: int, dim: int, rng: np.random.Generator, clusters: int = 1000,
                      spread: float = 0.35) -> np.ndarray:
    """Unit vectors around random centres: neighbours exist, as in real embeddings."""
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        x = centres[rng.integers(clusters, size=m)] + spread / np.sqrt(dim) * rng.standard_normal((m, dim),
                                                                                                   dtype=np.float32)
        out[start:start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def default_factories(n: int) -> list[tuple[str, str]]:
    """(factory, search params) worth timing at n vectors."""
    nlist = int(4 * np.sqrt(n)) // 64 * 64 or 64
    return [("Flat", ""), ("HNSW32", "efSearch=64"), (f"IVF{nlist},PQ64", "nprobe=16"),
            (f"IVF{nlist},PQ64,RFlat", "nprobe=16,k_factor_rf=8")]


def speed_rows(sizes: list[int], dim: int = 512, n_queries: int = 200, seed: int = 0,
               progress: Callable[[str], None] = lambda s: None) -> list[Row]:
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        data = clustered_vectors(n + n_queries, dim, rng)
        base, queries = data[:n], data[n:]
        exact = VectorIndex(dim, "Flat")
        exact.add(np.arange(n), base)
        truth = [set(exact.search(q, 10)[1][0]) for q in queries[:50]]
        for factory, params in default_factories(n):
            progress(f"{factory} at {n:,}")
            index = VectorIndex(dim, factory, params)
            start = time.perf_counter()
            index.add(np.arange(n), base)
            index.search(queries[0], 10)  # trains and adds (IVF), builds caches
            build = time.perf_counter() - start
            times, found = [], []
            count = n_queries if factory != "Flat" or n <= 100_000 else 30
            for q in queries[:count]:
                t = time.perf_counter()
                _, ids = index.search(q, 10)
                times.append((time.perf_counter() - t) * 1000)
                found.append(ids[0])
            recall = float(np.mean([len(truth[i] & set(found[i])) / 10 for i in range(min(50, count))]))
            p50, p95 = percentiles(times)
            label = f"{factory} {params}".strip()
            section = f"speed, {n:,} x {dim}-d"
            at_1m = n >= 1_000_000 and factory != "Flat"
            out += [Row(section, f"{label}: latency p50 / p95 (ms)", f"{p50:.2f} / {p95:.2f}",
                        "p95 <= 10 ms" if at_1m else "", p95 <= 10 if at_1m else None),
                    Row(section, f"{label}: recall@10 vs exact", recall),
                    Row(section, f"{label}: build (vectors/s)", f"{n / build:,.0f}")]
            del index
    return out


def report(store: Store, settings: Settings, queries: int = 150, sizes: Sequence[int] = (10_000, 100_000, 1_000_000),
           dim: int = 512, seed: int = 0, progress: Callable[[str], None] = lambda s: None) -> Report:
    """Quality on the store's catalog and index (queries of each kind), speed at each of sizes (none: skipped),
    and the filter check, in one table."""
    service, note = SearchService.open(store, settings)
    yield f"embedder: {note}; catalog: {len(service.table)} products; index: {service.index.factory}"
    rows = quality_rows(service, lambda p: open_image(settings.data_dir / p.image), queries, seed, progress)
    broken = check_filters_exact(service, FILTER_QUERIES)
    rows += speed_rows(list(sizes), dim, seed=seed, progress=progress) if sizes else []
    table = Table(f"bench retrieval — embedder {service.embedder.id}", ("part", "measure", "value", "target"))
    for row in rows:
        table.add(row.section, row.measure, f"{row.value:.3f}" if isinstance(row.value, float) else row.value,
                  row.target, passed=row.passed)
    table.add("filters", "results breaking a parsed filter", str(broken), "0", passed=broken == 0)
    yield table
