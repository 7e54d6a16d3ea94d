"""The shop's taxonomy (index/taxonomy.yaml) and the mapper from a merchant's words onto it.

Real feeds say "Tees", "Apparel & Accessories > Clothing > Shirts & Tops", "Heather Grey",
"W32/L34". Importing keeps those words and stores the taxonomy's names beside them, so search
filters, sizing and try-on speak one vocabulary. The YAML file is the one source of truth
(index/vocab.py reads the demo categories' sizing fields and the colours' sRGB from it); a
shop may load its own file instead, checked here with errors that name the file and the place.

Category mapping, in order: the taxonomy's words in the merchant's text (the whole text, then
each "a > b > c" level from the deepest, then word n-grams: the match that ends furthest right
wins, the longest of those, since English puts the head noun last: "T-Shirt Dress" is a dress),
then the same in the standard category path, then (when a text embedder is injected: the index
layer holds no ML code) the nearest synonym by cosine above a measured threshold. A family word
alone ("Tops", "Shoes") gives the family with category "other"; nothing gives ("other", "").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from shopagent.errors import ShopError

DEFAULT_PATH = Path(__file__).with_name("taxonomy.yaml")
OTHER = "other"
MULTI = "multi"
UNISEX = "unisex"

# What the rest of the project understands: sizing and try-on read group, size_system, fit_measures.
GROUPS = ("top", "outer", "dress", "bottom", "shoes", "bag", "accessory")
SIZING_SYSTEMS = ("letter", "waist", "eu_shoe", "one_size")
MEASURES = ("chest", "waist", "hip", "foot")

# Cosine of all-MiniLM-L6-v2 above which the nearest synonym is believed, chosen on
# eval/taxonomy_cases/dev.csv with the embedder alone (eval/bench_taxonomy.py's sweep): texts that
# are no garment ("Gift Wrap", "Perfume", "Bedding") reached 0.59, the rows it got right start at
# 0.59-0.69; 0.60 and 0.65 got the most rows right, 0.65 with fewer wrong acceptances.
EMBED_THRESHOLD = 0.65

Embed = Callable[[list[str]], np.ndarray]
Source = Literal["synonym", "embedding", "family", "none"]

LEVEL_SPLIT = re.compile(r"\s*[>›»]\s*")
ALTERNATIVES = re.compile(r"\s*(?:[,&+/;|]|\b(?:and|und|et|y|or|oder|o)\b)\s*", re.I)
CONJUNCTIONS = frozenset({"and", "und", "et", "y", "or", "oder", "o"})
COLOUR_PREFIXES = ("hell", "dunkel", "light", "dark", "pale", "deep", "bright", "pastel", "pastell", "neon")


class TaxonomyError(ShopError):
    """A taxonomy file that cannot be used; the message names the file and what is wrong in it."""

    code = "taxonomy_invalid"


@dataclass(frozen=True)
class CategoryInfo:
    name: str
    family: str
    group: str  # the body part it dresses: what sizing and try-on read
    size_system: str  # letter, waist, eu_shoe, one_size
    fit_measures: tuple[str, ...]  # body measurements its size chart ranges over, key one first
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class FamilyInfo:
    name: str
    synonyms: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class CategoryMatch:
    """Where a merchant's category text lands; `text` is the merchant's words it was read from."""

    category: str
    family: str
    source: Source
    score: float
    text: str
    via: str = ""  # the taxonomy word that matched (for reports: "Tees" via "tee")


@dataclass(frozen=True)
class _Hit:
    category: str | None  # None: a family word
    family: str
    words: str  # the merchant's words
    via: str  # the taxonomy's word


def normalise(text: str) -> str:
    """Lowercase, accents folded (ß -> ss), possessives dropped, '&' as 'and', punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`]s\b", "", text).replace("&", " and ").replace("+", " and ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def singulars(token: str) -> list[str]:
    """Singular forms a plural token may have (English and German endings); only table keys count."""
    out = []
    if token.endswith("s") and not token.endswith("ss") and len(token) > 2:
        out.append(token[:-1])
    if token.endswith("es") and len(token) > 3:
        out.append(token[:-2])
    if token.endswith("ies") and len(token) > 4:
        out.append(token[:-3] + "y")
    if token.endswith("en") and len(token) > 4:
        out.append(token[:-1])
    if token.endswith("e") and len(token) > 3:
        out.append(token[:-1])
    return out


def _lookup(table: dict[str, Any], words: list[str]) -> tuple[Any, str] | None:
    """The table's entry for the words, trying the last word's singular forms too; with the key used."""
    key = " ".join(words)
    if key in table:
        return table[key], key
    for last in singulars(words[-1]):
        form = " ".join([*words[:-1], last])
        if form in table:
            return table[form], form
    return None


def _segments(tokens: list[str]) -> list[tuple[int, int]]:
    """Runs of tokens between conjunctions: an n-gram never spans 'and'."""
    runs, start = [], 0
    for i, token in enumerate(tokens + ["and"]):
        if token in CONJUNCTIONS:
            if i > start:
                runs.append((start, i))
            start = i + 1
    return runs


def _ngrams(tokens: list[str], longest: int) -> Iterable[tuple[int, int]]:
    """(start, end) spans, rightmost end first, longest first at each end."""
    for lo, hi in reversed(_segments(tokens)):
        for end in range(hi, lo, -1):
            for n in range(min(longest, end - lo), 0, -1):
                yield end - n, end


# ---------------------------------------------------------------- loading and checking the file


class _Reader:
    """Reads the parsed YAML, raising TaxonomyError that names the file and the key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> TaxonomyError:
        return TaxonomyError(f"taxonomy file {self.path}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise self.fail(where, "expected a non-empty mapping of names")
        for key in value:
            if not isinstance(key, str) or not key.strip():
                raise self.fail(where, f"{key!r} is not a name")
        return value

    def words(self, value: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
        if value is None and allow_empty:
            return ()
        if not isinstance(value, list) or not all(isinstance(w, str) and normalise(w) for w in value):
            raise self.fail(where, "expected a list of words (quote words YAML would read as numbers or yes/no)")
        if not value and not allow_empty:
            raise self.fail(where, "expected at least one word")
        return tuple(w.strip() for w in value)

    def choice(self, value: Any, allowed: tuple[str, ...], where: str) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def rgb(self, value: Any, where: str) -> tuple[int, int, int] | None:
        if value is None:
            return None
        if not (isinstance(value, list) and len(value) == 3
                and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value)):
            raise self.fail(where, f"{value!r} is not three integers 0-255 (or null for no colour)")
        return (value[0], value[1], value[2])


class _Words:
    """Normalised word -> target, refusing a word that names two different things."""

    def __init__(self, reader: _Reader, kind: str) -> None:
        self.reader, self.kind, self.table, self.raw = reader, kind, {}, {}

    def add(self, word: str, target: Any, where: str) -> None:
        key = normalise(word)
        if self.table.get(key, target) != target:
            raise self.reader.fail(where, f"the {self.kind} word {word!r} already names {self.table[key]!r}")
        self.table[key] = target
        self.raw.setdefault(word.strip().lower(), target)


def _read_categories(r: _Reader, families_raw: dict[str, Any], words: _Words
                     ) -> tuple[dict[str, CategoryInfo], dict[str, FamilyInfo]]:
    categories: dict[str, CategoryInfo] = {}
    families: dict[str, FamilyInfo] = {}
    for fam, body in r.mapping(families_raw, "families").items():
        body = r.mapping(body, f"families.{fam}")
        fam_synonyms = r.words(body.get("synonyms"), f"families.{fam}.synonyms", allow_empty=True)
        for word in fam_synonyms:  # not the name itself: "dresses" should find the category dress
            words.add(word, (None, fam), f"families.{fam}.synonyms")
        names = []
        for name, cat in r.mapping(body.get("categories"), f"families.{fam}.categories").items():
            where = f"families.{fam}.categories.{name}"
            cat = r.mapping(cat, where)
            if name in categories:
                raise r.fail(where, f"category {name!r} is already in family {categories[name].family!r}")
            if name == OTHER:
                raise r.fail(where, f"{OTHER!r} is what unmapped text becomes; it cannot be a category")
            measures = r.words(cat.get("fit_measures"), f"{where}.fit_measures", allow_empty=True)
            for m in measures:
                r.choice(m, MEASURES, f"{where}.fit_measures")
            synonyms = r.words(cat.get("synonyms"), f"{where}.synonyms", allow_empty=True)
            categories[name] = CategoryInfo(name, fam, r.choice(cat.get("group"), GROUPS, f"{where}.group"),
                                            r.choice(cat.get("size_system"), SIZING_SYSTEMS, f"{where}.size_system"),
                                            measures, synonyms)
            for word in (name, *synonyms):
                words.add(word, (name, fam), f"{where}.synonyms")
            names.append(name)
        families[fam] = FamilyInfo(fam, fam_synonyms, tuple(names))
    return categories, families


def _read_colours(r: _Reader, raw: Any, words: _Words) -> dict[str, tuple[int, int, int] | None]:
    colours: dict[str, tuple[int, int, int] | None] = {}
    for name, body in r.mapping(raw, "colours").items():
        body = r.mapping(body, f"colours.{name}")
        colours[name] = r.rgb(body.get("rgb"), f"colours.{name}.rgb")
        for word in (name, *r.words(body.get("words"), f"colours.{name}.words", allow_empty=True)):
            words.add(word, (name, True), f"colours.{name}.words")  # the family's own name: strong
        for word in r.words(body.get("shades"), f"colours.{name}.shades", allow_empty=True):
            words.add(word, (name, False), f"colours.{name}.shades")
    return colours


def _read_named_lists(r: _Reader, raw: Any, section: str, words: _Words, required: tuple[str, ...] = ()
                      ) -> tuple[str, ...]:
    """Sections of the form name: [words] (patterns, genders)."""
    names = r.mapping(raw, section)
    for need in required:
        if need not in names:
            raise r.fail(section, f"{need!r} is missing")
    for name, body in names.items():
        for word in (name, *r.words(body, f"{section}.{name}")):
            words.add(word, name, f"{section}.{name}")
    return tuple(names)


def _read_size_systems(r: _Reader, raw: Any, words: _Words) -> tuple[tuple[str, ...], frozenset[str]]:
    systems = r.mapping(raw, "size_systems")
    for need in SIZING_SYSTEMS:
        if need not in systems:
            raise r.fail("size_systems", f"{need!r} is missing (sizing reads it)")
    letters: set[str] = set()
    for name, body in systems.items():
        body = r.mapping(body, f"size_systems.{name}")
        for word in (name, *r.words(body.get("words"), f"size_systems.{name}.words", allow_empty=True)):
            words.add(word, name, f"size_systems.{name}.words")
        if name == "letter":
            letters = {normalise(w) for w in r.words(body.get("labels"), "size_systems.letter.labels")}
    return tuple(systems), frozenset(letters)


def _parse(path: Path) -> Taxonomy:
    r = _Reader(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise TaxonomyError(f"taxonomy file {path}: cannot read it ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise TaxonomyError(f"taxonomy file {path}: not UTF-8 text") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise TaxonomyError(f"taxonomy file {path}: {at}not valid YAML ({getattr(e, 'problem', None) or e})") from e
    raw = r.mapping(raw, "the top level")
    for section in ("families", "colours", "patterns", "genders", "size_systems"):
        if section not in raw:
            raise r.fail("the top level", f"the section {section!r} is missing")
    category_words, colour_words = _Words(r, "category"), _Words(r, "colour")
    pattern_words, gender_words, size_words = _Words(r, "pattern"), _Words(r, "gender"), _Words(r, "size system")
    categories, families = _read_categories(r, raw["families"], category_words)
    colours = _read_colours(r, raw["colours"], colour_words)
    patterns = _read_named_lists(r, raw["patterns"], "patterns", pattern_words)
    genders = _read_named_lists(r, raw["genders"], "genders", gender_words, required=(UNISEX,))
    systems, letters = _read_size_systems(r, raw["size_systems"], size_words)
    generic = frozenset(normalise(w) for w in r.words(raw.get("generic"), "generic", allow_empty=True))
    return Taxonomy(path, categories, families, colours, patterns, genders, systems, generic, letters,
                    category_words, colour_words, pattern_words, gender_words, size_words)


@lru_cache(maxsize=1)
def _default() -> Taxonomy:
    return _parse(DEFAULT_PATH)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The project's taxonomy (read once), or a shop's own file (read and checked on every call)."""
    if path is None or Path(path).resolve() == DEFAULT_PATH.resolve():
        return _default()
    return _parse(Path(path))


# ---------------------------------------------------------------- the taxonomy and its mappers


@dataclass(frozen=True)
class Taxonomy:
    source: Path
    categories: dict[str, CategoryInfo]
    families: dict[str, FamilyInfo]
    colours: dict[str, tuple[int, int, int] | None]  # family -> sRGB; None for "multi"
    patterns: tuple[str, ...]
    genders: tuple[str, ...]
    size_systems: tuple[str, ...]
    generic: frozenset[str]
    letter_sizes: frozenset[str]
    _categories: _Words = field(repr=False, compare=False)
    _colours: _Words = field(repr=False, compare=False)
    _patterns: _Words = field(repr=False, compare=False)
    _genders: _Words = field(repr=False, compare=False)
    _sizes: _Words = field(repr=False, compare=False)
    _embedded: dict[int, tuple[Embed, np.ndarray, list[tuple[str | None, str, str]]]] = field(
        default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------ the words, for the query parser and reports

    def category_words(self) -> dict[str, str]:
        """Every category word as written in the file (lowercased) -> its category."""
        return {w: t[0] for w, t in self._categories.raw.items() if t[0] is not None}

    def family_words(self) -> dict[str, str]:
        """Every family word (lowercased) -> its family."""
        return {w: t[1] for w, t in self._categories.raw.items() if t[0] is None}

    def colour_words(self) -> dict[str, str]:
        """Every colour word and shade (lowercased) -> its colour family."""
        return {w: t[0] for w, t in self._colours.raw.items()}

    def pattern_words(self) -> dict[str, str]:
        return dict(self._patterns.raw)

    def gender_words(self) -> dict[str, str]:
        return dict(self._genders.raw)

    # ------------------------------------------------ categories

    def map_category(self, text: str, path: str = "", embed: Embed | None = None, *,
                     threshold: float = EMBED_THRESHOLD) -> CategoryMatch:
        """The category of a merchant's text (and standard path): words first, then the embedder."""
        said, filed = self._scan(text or ""), self._scan(path or "")
        if said is not None and said.category is not None:
            return self._match(said, "synonym")
        if filed is not None and filed.category is not None and (said is None or said.family == filed.family):
            return self._match(filed, "synonym")
        if said is not None or filed is not None:
            return self._match(said or filed, "family")  # type: ignore[arg-type]
        if embed is not None:
            found = self._nearest(text, path, embed, threshold)
            if found is not None:
                return found
        return CategoryMatch(OTHER, "", "none", 0.0, text or path)

    def _match(self, hit: _Hit, source: Source) -> CategoryMatch:
        return CategoryMatch(hit.category or OTHER, hit.family, source, 1.0, hit.words, hit.via)

    def _scan(self, text: str) -> _Hit | None:
        """The deepest level of the text that names a category or family."""
        for level in reversed(LEVEL_SPLIT.split(text.strip())):
            if not normalise(level) or normalise(level) in self.generic:
                continue
            hit = self._level(level)
            if hit is not None:
                return hit
        return None

    def _level(self, level: str) -> _Hit | None:
        """One level: the whole of it, else its alternatives ("Shirts & Tops"), else its n-grams."""
        whole = self._phrase(level, grams=False)
        if whole is not None:
            return whole
        parts = [p for p in ALTERNATIVES.split(level) if normalise(p)]
        if len(parts) > 1:
            hits = [self._phrase(p) for p in parts]
            if all(h is not None for h in hits):
                return self._combine(level, hits)  # type: ignore[arg-type]
        return self._phrase(level)

    def _combine(self, level: str, hits: list[_Hit]) -> _Hit | None:
        """Alternatives of one family: their category if they share one, else the family; none if families differ."""
        families = {h.family for h in hits}
        if len(families) > 1:
            return None
        cats = {h.category for h in hits}
        category = cats.pop() if len(cats) == 1 else None
        return _Hit(category, hits[0].family, level.strip(), " / ".join(h.via for h in hits))

    def _phrase(self, text: str, grams: bool = True) -> _Hit | None:
        """A category word in the text (rightmost, longest), else a family word; grams=False: the whole text only."""
        tokens = normalise(text).split()
        if not tokens:
            return None
        if not grams:
            found = _lookup(self._categories.table, tokens)
            return _Hit(found[0][0], found[0][1], text.strip(), found[1]) if found else None
        family: _Hit | None = None
        for lo, hi in _ngrams(tokens, 5):
            found = _lookup(self._categories.table, tokens[lo:hi])
            if found is None:
                continue
            (category, fam), key = found
            hit = _Hit(category, fam, text.strip(), key)
            if category is not None:
                return hit
            family = family or hit
        return family

    def _table(self, embed: Embed) -> tuple[np.ndarray, list[tuple[str | None, str, str]]]:
        """Every category and family word embedded once per embedder."""
        cached = self._embedded.get(id(embed))
        if cached is not None and cached[0] is embed:
            return cached[1], cached[2]
        entries = [(t[0], t[1], w) for w, t in self._categories.raw.items()]
        vectors = np.asarray(embed([w for _, _, w in entries]), np.float32)
        self._embedded[id(embed)] = (embed, vectors, entries)
        return vectors, entries

    def _query_text(self, text: str, path: str) -> str:
        """What to embed: the merchant's text, else the deepest path level that is not generic."""
        for candidate in [text, *reversed(LEVEL_SPLIT.split(path or ""))]:
            if normalise(candidate or "") and normalise(candidate) not in self.generic:
                return candidate.strip()
        return ""

    def _nearest(self, text: str, path: str, embed: Embed, threshold: float) -> CategoryMatch | None:
        query = self._query_text(text, path)
        if not query:
            return None
        vectors, entries = self._table(embed)
        scores = vectors @ np.asarray(embed([query]), np.float32)[0]
        best = int(np.argmax(scores))
        if float(scores[best]) < threshold:
            return None
        category, family, word = entries[best]
        return CategoryMatch(category or OTHER, family, "embedding", round(float(scores[best]), 4), query, word)

    # ------------------------------------------------ colours, patterns, genders

    def map_colour(self, name: str) -> str | None:
        """The colour family of one colour name (the first, for "Black/White"); None when unknown."""
        found = self.map_colours([name])
        return found[0] if found else None

    def map_colours(self, names: list[str]) -> list[str]:
        """Colour families of the names, in order, without repeats ("navy & white" is two)."""
        out: list[str] = []
        for name in names:
            for part in ALTERNATIVES.split(name or ""):
                family = self._colour(part)
                if family is not None and family not in out:
                    out.append(family)
        return out

    def _colour(self, text: str) -> str | None:
        """Longest match first; a family's own word beats a shade of equal length; then the rightmost."""
        tokens = normalise(text).split()
        best: tuple[int, bool, int, str] | None = None
        for lo, hi in _ngrams(tokens, 4):
            found = _lookup(self._colours.table, tokens[lo:hi]) or self._prefixed(tokens[lo:hi])
            if found is not None:
                (family, strong), _ = found
                rank = (hi - lo, strong, hi, family)
                best = rank if best is None or rank[:3] > best[:3] else best
        return best[3] if best else None

    def _prefixed(self, words: list[str]) -> tuple[Any, str] | None:
        """German-style compounds: 'hellgrun', 'dunkelrot' -> the colour after the prefix."""
        if len(words) != 1:
            return None
        for prefix in COLOUR_PREFIXES:
            rest = words[0].removeprefix(prefix)
            if rest != words[0] and rest in self._colours.table:
                return self._colours.table[rest], rest
        return None

    def map_pattern(self, text: str) -> str | None:
        """The pattern family named in the text; None when none is (never "solid" by default)."""
        tokens = normalise(text or "").split()
        for lo, hi in _ngrams(tokens, 3):
            found = _lookup(self._patterns.table, tokens[lo:hi])
            if found is not None:
                return found[0]
        return None

    def map_gender(self, text: str) -> str:
        """women, men or unisex; both, neither or an unknown word is unisex."""
        tokens = normalise(text or "").split()
        seen: set[str] = set()
        for lo, hi in _ngrams(tokens, 3):
            words = tokens[lo:hi]
            if len(words) == 1 and len(words[0]) == 1 and len(tokens) > 1:
                continue  # a lone letter ("w", "m") only when it is the whole field
            found = _lookup(self._genders.table, words)
            if found is not None:
                seen.add(found[0])
        if UNISEX in seen or len(seen) != 1:
            return UNISEX
        return seen.pop()

    # ------------------------------------------------ size systems

    def size_system_of(self, labels: list[str], given: str = "") -> str:
        """The feed's own system word, normalised ("eu" -> "EU"); else a guess from the labels; "" if none."""
        if given and given.strip():
            found = _lookup(self._sizes.table, normalise(given).split() or [""])
            if found is not None:
                return found[0]
        guess = self._guess_system(labels)
        return guess or (given or "").strip().upper()

    def _guess_system(self, labels: list[str]) -> str:
        votes: Counter[str] = Counter()
        numbers: list[float] = []
        pairs: list[tuple[int, int]] = []
        for label in labels:
            kind = self._label_system(label, numbers, pairs)
            if kind:
                votes[kind] += 1
        if numbers:
            votes[_numeric_system(numbers)] += len(numbers)
        if pairs:
            consecutive = all(b == a + 2 and a >= 32 and a % 2 == 0 for a, b in pairs)
            votes["EU" if consecutive else "waist"] += len(pairs)
        votes.pop("", None)
        return votes.most_common(1)[0][0] if votes else ""

    def _label_system(self, label: str, numbers: list[float], pairs: list[tuple[int, int]]) -> str:
        """One label's system; numbers and number pairs are gathered and judged together."""
        text = " ".join(unicodedata.normalize("NFKD", (label or "").casefold()).split())
        text = "".join(c for c in text if not unicodedata.combining(c)).replace("½", ".5")
        words = normalise(text)
        if not words:
            return ""
        if words in self._sizes.table and self._sizes.table[words] == "one_size":
            return "one_size"
        if all(p in self.letter_sizes for p in re.split(r"[\s/-]+", words)):
            return "letter"
        if re.fullmatch(r"w\s*\d{2}(\s*[/x-]?\s*l\s*\d{2})?|\d{2}\s*w(\s*\d{2}\s*l)?", text):
            return "waist"
        prefixed = re.fullmatch(r"([a-z]{2,3})\s*(\d{1,2}(?:[.,]5)?)|(\d{1,2}(?:[.,]5)?)\s*([a-z]{2,3})", text)
        if prefixed:
            word = prefixed.group(1) or prefixed.group(4)
            system = self._sizes.table.get(word)
            return system if isinstance(system, str) and system.isupper() else ""
        pair = re.fullmatch(r"(\d{2})\s*[/x]\s*(\d{2})", text)
        if pair:
            pairs.append((int(pair.group(1)), int(pair.group(2))))
            return ""
        number = re.fullmatch(r"(\d{1,2})(?:[.,](5))?|(\d{1,2}) 1/2", text)
        if number:
            numbers.append(float((number.group(1) or number.group(3))) + (0.5 if number.group(2) or number.group(3) else 0))
        return ""


def _numeric_system(values: list[float]) -> str:
    """A guess for bare numbers: shoe sizes have halves or odd numbers from 34 up; EU clothing is even 30-64."""
    low, high = min(values), max(values)
    halves = any(v % 1 for v in values)
    odd = any(v % 2 == 1 for v in values if not v % 1)
    if low >= 34 and high <= 50 and (halves or odd):
        return "eu_shoe"
    if low >= 30 and high <= 64 and not halves and not odd:
        return "EU"
    if low == 0:
        return "US"
    return ""
