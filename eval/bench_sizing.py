"""`shopagent bench sizing`: size advice against the demo's hidden truth.

For demo customers who stated their measurements (about 40% do, each within about 1.5 cm of the
truth), and products sized by chest or waist: the right label is the brand chart's label for
the customer's true body (with their fit preference's ease); the advice reads the stated,
noisy measurements, their preference and their returns in that brand. The baseline is "take
your usual label", what shoppers do without advice.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

from index import models as m
from index.demo import TRUTH_FILE
from index.store import Store
from index.vocab import CATEGORIES, KNOWN_SIZE_KEY
from tryon.size_advisor import SizeAdvisor
from tryon.sizing import EASE_CM, _label_for


def sizing_rows(store: Store, data_dir: Path, pairs: int = 3000, seed: int = 0) -> dict[str, float]:
    truth_path = data_dir / TRUTH_FILE
    if not truth_path.is_file():
        raise FileNotFoundError(f"{truth_path} is missing: the benchmark needs the demo catalog (shopagent demo-data).")
    bodies = {int(k): v for k, v in json.loads(truth_path.read_text())["customers"].items()}
    advisor = SizeAdvisor(store)
    rng = np.random.default_rng(seed)
    with store.session() as s:
        customers = s.scalars(select(m.Customer).where(m.Customer.chest_cm.is_not(None))).all()
        products = s.scalars(select(m.Product)).all()
        sized = [p for p in products if CATEGORIES[p.category].fit_measures[:1] in (("chest",), ("waist",))]
        charts = {(p.brand_id, p.category): advisor.chart(s, p) for p in sized}
        people = [(c.id, str(c.fit_preference), dict(c.known_sizes or {})) for c in customers]
        items = [(p.id, p.brand_id, p.category) for p in sized]
    exact = within = usual_exact = usual_within = refused = 0
    times = []
    for n in range(pairs):
        cid, pref, known = people[int(rng.integers(len(people)))]
        pid, brand_id, category = items[int(rng.integers(len(items)))]
        chart = charts[(brand_id, category)]
        key = CATEGORIES[category].fit_measures[0]
        right = _label_for(chart, key, bodies[cid]["body"][key] + EASE_CM[pref])
        start = time.perf_counter()
        advice = advisor.for_customer(pid, cid)
        times.append(time.perf_counter() - start)
        if advice.refused:
            refused += 1
            continue
        position = {r.size_label: r.position for r in chart}
        exact += advice.size == right.size_label
        within += abs(position[advice.size] - right.position) <= 1
        usual = known.get(KNOWN_SIZE_KEY[CATEGORIES[category].size_system])
        usual_exact += usual == right.size_label
        usual_within += usual in position and abs(position[usual] - right.position) <= 1
    answered = max(1, pairs - refused)
    return {"pairs": pairs, "refused": refused / pairs, "exact": exact / answered, "within_one": within / answered,
            "usual_exact": usual_exact / answered, "usual_within_one": usual_within / answered,
            "ms_per_advice": 1000 * float(np.median(times))}
