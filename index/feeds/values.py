"""Cell values the shop formats share: prices with currencies, image URLs, HTML, colour names.

Each parser takes the column's name as the file spells it, so that a ValueError tells the shop
owner which cell to fix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

_PRICE = re.compile(r"^(?:([A-Za-z]{3})\s*)?(\d[\d.,\s]*?)\s*(?:([A-Za-z]{3}))?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_SPACE = re.compile(r"\s+")
# Tags that end a line of text: paragraphs, line breaks, list items, headings, table rows.
_BLOCK_TAGS = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
               "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section",
               "table", "tbody", "td", "th", "thead", "tr", "ul"}
_HIDDEN_TAGS = {"script", "style", "template", "noscript"}


def parse_price(text: str, column: str) -> tuple[Decimal, str | None]:
    """'59.90', '59,90 EUR', 'EUR 59.90' or '1,299.00 USD' as (amount, currency or None).

    Merchant Center writes "59.90 EUR"; spreadsheets in many countries write a decimal comma.
    """
    match = _PRICE.match(text.strip().replace("\u00a0", " "))
    if match is None or (match[1] and match[3]):
        raise ValueError(f"{column} {text!r} is not a price; write it like 59.90 or 59.90 EUR")
    currency = (match[1] or match[3] or "").upper() or None
    try:
        return Decimal(_decimal_text(_SPACE.sub("", match[2]))), currency
    except InvalidOperation:
        raise ValueError(f"{column} {text!r} is not a price; write it like 59.90 or 59.90 EUR") from None


def _decimal_text(number: str) -> str:
    """A number with either decimal mark as Decimal reads it: the last of ',' and '.' is the decimal mark
    when both appear; a lone comma is one too, unless it groups thousands ('1,299')."""
    if "," in number and "." in number:
        mark, other = (",", ".") if number.rfind(",") > number.rfind(".") else (".", ",")
        return number.replace(other, "").replace(mark, ".")
    if "," in number:
        return number.replace(",", "") if _THOUSANDS.match(number) else number.replace(",", ".", 1)
    if number.count(".") > 1:
        return number.replace(".", "")  # 1.299.000: dots grouping thousands
    return number


def image_name(url: str, column: str) -> str:
    """The file name an image URL ends in (query dropped, %-escapes decoded): feeds name images by URL,
    the importer finds them by name under --images, and nothing is ever downloaded."""
    name = unquote(urlsplit(url.strip()).path.rsplit("/", 1)[-1])
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"{column} {url!r} does not end in an image file name")
    return name


class _TextParser(HTMLParser):
    """Collects the text of an HTML fragment, one line per paragraph-like element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(_SPACE.sub(" ", data))  # a line break inside a paragraph is a space


def html_text(html: str) -> str:
    """Shopify's Body (HTML) as plain text: tags stripped, entities decoded, whitespace collapsed,
    paragraphs kept as single line breaks (search and the agent read text, not markup)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def plain_text(text: str) -> str:
    """A description that may or may not be HTML (Merchant Center asks for plain text; some feeds send HTML)."""
    if re.search(r"</?[A-Za-z][^>]*>", text):
        return html_text(text)
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def colour_names(value: str) -> list[str]:
    """'Black/White' -> ['Black', 'White']: feeds join a garment's colours with a slash."""
    return [name.strip() for name in value.split("/") if name.strip()]


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens ('Off White' -> 'off-white'), for SKUs made from words.

    A name with no ASCII letter at all ('黒') gets a short hash of itself, so that the SKU stays the
    same from one import to the next.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    made = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if made or not text.strip():
        return made
    return hashlib.sha1(text.strip().casefold().encode()).hexdigest()[:8]
