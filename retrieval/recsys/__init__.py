"""Recommenders: popularity, item-item and user-user CF, ALS and BPR, and a content hybrid.

Every model has the same two calls: `fit(matrix)` on a customer x product confidence matrix,
and `scores(history)` for one customer's interaction row. Scoring from a row (not from a
trained customer index) is what makes fold-in free: a customer with new interactions, or a
new customer, is scored from their current row without retraining. Business rules (in stock
in their size, not already bought, diverse) and reasons live in `service.py`, on top of any
model.
"""
