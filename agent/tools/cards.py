"""How a product appears in tool results: the same card everywhere, so the UI and the answers agree."""

from __future__ import annotations

from index.products import ProductRow


def product_card(p: ProductRow) -> dict:
    return {"product_id": p.id, "sku": p.sku, "title": p.title, "brand": p.brand, "category": p.category,
            "colours": list(p.colours), "pattern": p.pattern, "price": p.price, "currency": p.currency,
            "sizes_in_stock": list(p.sizes_in_stock), "image": p.image}


def clamp_k(k: int, most: int = 10) -> int:
    return max(1, min(most, int(k)))
