"""Consent that means yes: when the user's words allow a side effect (a return, a cart change).

A tool with side effects carries a pattern of the words that ask for it (for start_return:
"return", "refund", "send back", "exchange"). Whatever the planner writes, the tool runs only
when the user's own words consent, by these rules, in order:

1. A refusal never consents, whatever else the message says: a leading "no", "nope", "cancel",
   "stop", "never mind", "forget it", "changed my mind" (unless the message itself asks for the
   action: "refund order 409, I changed my mind" gives a reason), or a negation shortly before
   the action's words ("I do NOT want to return order 2416", "don't add it").
2. The request in the user's own words this turn consents: the message names the action.
3. Otherwise only an answer to a question the agent asked about this very action can (its last
   answer was a question naming the action: "Which size should I add?", "Why are you returning
   order 5?"), never one that declines ("I don't want to", "not now", "sure, but not yet"), and
   only when it is
   a. an affirmative ("yes", "go ahead", "please do", "ok", "sure", "do it", "confirm"), or
   b. a short detail (a size, a reason, an order number: at most 8 words, no question, no new
      request such as "show me ..."), continuing a request the user made in their previous
      message (which named the action and did not refuse it).
A change of subject ("show me sneakers") is none of these.
"""

from __future__ import annotations

import re

REFUSAL = re.compile(r"^\W*(no\b(?!\s+longer)|nope\b|nah\b|cancel\b|stop\b|wait\b)|"
                     r"\b(never\s*mind|nevermind|forget (it|that|about it)|cancel (it|that))\b", re.I)
# "I changed my mind" refuses, unless the same message asks for the action: "please refund order
# 409, I changed my mind" gives the change of mind as the reason for the return.
CHANGE_OF_MIND = re.compile(r"\bchanged my mind\b", re.I)
NEGATION = re.compile(r"\b(not|don'?t|do not|doesn'?t|never|no longer|won'?t|wouldn'?t|rather not)\b", re.I)
AFFIRMATIVE = re.compile(r"^\W*(yes|yeah|yep|yup|sure|ok(ay)?|go ahead|please do|do it|do that|confirm(ed)?|"
                         r"correct|absolutely|definitely|of course|please go ahead)\b", re.I)
NEW_REQUEST = re.compile(r"\?|\b(show|find|search|look(ing)? for|recommend|suggest|browse|what|where|how|which|"
                         r"instead|rather)\b", re.I)
# A negation that declines rather than describes: "I don't want to", "not now", "I don't think so", a
# trailing "don't". A reason such as "doesn't fit", "no longer fits" or "not as pictured" is none of these.
DECLINE = re.compile(r"\b(not|don'?t|do not|doesn'?t|never|won'?t|wouldn'?t|no longer)\W+(\w+\W+){0,2}?"
                     r"(want|wish|need|mean|think|do|go|proceed|bother|continue|add|now|really|sure|yet|anymore|"
                     r"any more)\b|\b(not|don'?t|do not|won'?t|wouldn'?t|never)\W*$", re.I)
INFLECTION = re.compile(r"\b(\w{3,}?)(?:ing|ed|s)\b", re.I)  # "returning", "added", "refunds"
NEGATION_REACH = 40  # characters after "not" in which the action's words count as negated
DETAIL_WORDS = 8


def names(action: re.Pattern, text: str) -> bool:
    """The text names the action in any form, "return", "returning", "returned": the agent's question
    "Why are you returning order 5?" names a return, and "I'm not returning it" refuses one. (A request
    must use the action's own words.)"""
    return action.search(text) is not None or action.search(INFLECTION.sub(r"\1", text)) is not None


def refuses(text: str, action: re.Pattern | None = None) -> bool:
    """A refusal or a change of mind ("no, never mind ..."): it consents to nothing."""
    if REFUSAL.search(text) is not None:
        return True
    return CHANGE_OF_MIND.search(text) is not None and not (action is not None and action.search(text))


def declines(text: str) -> bool:
    """A no in other words ("I don't want to", "not now"): it answers a question with a refusal."""
    return DECLINE.search(text) is not None


def negates(action: re.Pattern, text: str) -> bool:
    """The action's words shortly after a negation: "I do NOT want to return it"."""
    return any(names(action, text[m.end(): m.end() + NEGATION_REACH]) for m in NEGATION.finditer(text))


def is_detail(text: str) -> bool:
    """A short answer filling in a detail (a size, a reason, a number), not a new request."""
    return (not refuses(text) and not declines(text) and len(text.split()) <= DETAIL_WORDS
            and NEW_REQUEST.search(text) is None)


def asks_for(action: re.Pattern, text: str) -> bool:
    """The text asks for the action, in its own words, without refusing it."""
    return bool(text) and action.search(text) is not None and not refuses(text, action) and not negates(action, text)


def consents(action: re.Pattern, message: str, previous: str = "", question: str = "") -> bool:
    """Whether message (after previous, answering question) consents to the action; rules in the module doc."""
    if refuses(message, action) or negates(action, message):
        return False
    if action.search(message):
        return True
    if "?" not in question or not names(action, question):
        return False
    if declines(message):  # "sure, but not now", "I don't want to"
        return False
    if AFFIRMATIVE.search(message) and NEW_REQUEST.search(message) is None:
        return True
    return asks_for(action, previous) and is_detail(message)
