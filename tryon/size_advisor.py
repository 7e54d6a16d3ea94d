"""Size advice over the store: the product's chart, the customer's body and history, the reviews."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from index import models as m
from index.images import open_image
from index.store import Store
from index.taxonomy import load_taxonomy
from index.vocab import KNOWN_SIZE_KEY
from tryon.body import analyze
from tryon.sizing import EASE_CM, ChartRow, Measurement, SizeAdvice, advise
from shopagent.errors import ShopError

MEASURES = ("chest", "waist", "hip", "inseam", "height", "foot")
BODY_CM = (10.0, 250.0)  # outside this a number is not a body measurement in cm


class UnknownProduct(ShopError, LookupError):
    """No product with that SKU or id."""

    code = "unknown_product"


class UnknownCustomer(ShopError, LookupError):
    """No customer with that id."""

    code = "unknown_customer"


class SizeQuestionError(ShopError):
    """A size question that cannot be answered as asked; the message says what to give."""

    code = "bad_size_question"


class SizeAdvisor:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _product(self, s, product: str | int) -> m.Product:  # noqa: ANN001
        query = select(m.Product).where(m.Product.id == product if isinstance(product, int) else m.Product.sku == product)
        found = s.scalars(query).first()
        if found is None:
            raise UnknownProduct(f"no product {product!r}; use a SKU or id from a search result.")
        return found

    def chart(self, s, product: m.Product) -> list[ChartRow]:  # noqa: ANN001
        rows = s.scalars(select(m.SizeChartRow).where(m.SizeChartRow.brand_id == product.brand_id,
                                                      m.SizeChartRow.category == product.category)
                         .order_by(m.SizeChartRow.position)).all()
        return [ChartRow(r.size_label, r.position,
                         {k: (getattr(r, f"{k}_min"), getattr(r, f"{k}_max")) for k in MEASURES
                          if getattr(r, f"{k}_min") is not None and getattr(r, f"{k}_max") is not None})
                for r in rows]

    def chart_for(self, product: str | int) -> list[ChartRow]:
        """The brand's chart for the product's category, smallest size first."""
        with self.store.session() as s:
            return self.chart(s, self._product(s, product))

    def _review_fit(self, s, product: m.Product) -> dict[str, int]:  # noqa: ANN001
        rows = s.execute(select(m.Review.fit_feedback, func.count()).where(m.Review.product_id == product.id,
                                                                          m.Review.fit_feedback.is_not(None))
                         .group_by(m.Review.fit_feedback)).all()
        return {str(k): int(n) for k, n in rows}

    def _returns_in_brand(self, s, customer_id: int, product: m.Product) -> list[tuple[str, str]]:  # noqa: ANN001
        rows = s.execute(select(m.Interaction.size_label, m.Interaction.reason)
                         .join(m.Product, m.Product.id == m.Interaction.product_id)
                         .where(m.Interaction.customer_id == customer_id, m.Interaction.kind == m.InteractionKind.RETURN,
                                m.Product.brand_id == product.brand_id, m.Product.category == product.category)).all()
        return [(label, reason) for label, reason in rows if label and reason]

    def for_customer(self, product: str | int, customer_id: int,
                     measurements: dict[str, Measurement] | None = None) -> SizeAdvice:
        """Advice from the customer's stated body (or the given measurements), history and preference."""
        with self.store.session() as s:
            p = self._product(s, product)
            customer = s.get(m.Customer, customer_id)
            if customer is None:
                raise UnknownCustomer(f"no customer {customer_id}.")
            stated = {k: Measurement(float(v)) for k in MEASURES
                      if (v := getattr(customer, f"{k}_cm")) is not None}
            info = load_taxonomy().categories.get(p.category)
            usual = (customer.known_sizes or {}).get(KNOWN_SIZE_KEY.get(info.size_system, "") if info else "")
            return advise(p.category, p.brand.name, self.chart(s, p), stated | (measurements or {}),
                          str(customer.fit_preference), self._returns_in_brand(s, customer_id, p),
                          self._review_fit(s, p), usual)

    def for_measurements(self, product: str | int, measurements: dict[str, Measurement],
                         fit_preference: str = "regular") -> SizeAdvice:
        with self.store.session() as s:
            p = self._product(s, product)
            return advise(p.category, p.brand.name, self.chart(s, p), measurements, fit_preference, [],
                          self._review_fit(s, p))

    def advise(self, product: str | int, customer_id: int | None = None,
               measurements: dict[str, float] | None = None, fit_preference: str = "regular",
               photo: Image.Image | Path | None = None, height_cm: float | None = None) -> SizeAdvice:
        """A person's size question, checked, then answered from what they gave: a customer's record,
        measurements in cm, a full-body photo with their height, or a mix. Given measurements win over
        the photo's estimates, both over the record. fit_preference counts without a customer (a
        customer's own is on record). SizeQuestionError says what is missing or wrong.
        """
        if fit_preference not in EASE_CM:
            raise SizeQuestionError(f"the fit must be {', '.join(EASE_CM)}, not {fit_preference!r}.")
        given = {}
        for name, value in (measurements or {}).items():
            if name not in MEASURES:
                raise SizeQuestionError(f"unknown measurement {name!r}; give {', '.join(MEASURES)} in cm.")
            if not BODY_CM[0] <= value <= BODY_CM[1]:
                raise SizeQuestionError(f"a {name} of {value:g} is not a body measurement in cm.")
            given[name] = Measurement(value)
        if photo is not None:
            if height_cm is None:
                raise SizeQuestionError("a photo needs your height in cm to turn its proportions into centimetres.")
            given = analyze(photo if isinstance(photo, Image.Image) else open_image(photo)).estimate(height_cm) | given
        if customer_id is None and not given:
            raise SizeQuestionError("give a customer id, your measurements (chest, waist, hip, foot in cm), "
                                    "or a full-body photo with your height.")
        if customer_id is not None:
            return self.for_customer(product, customer_id, given)
        return self.for_measurements(product, given, fit_preference)
