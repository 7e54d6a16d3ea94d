"""Consent that means yes: when the user's words allow a side effect (a return, a cart change).

A tool with side effects carries a pattern of the words that ask for it (start_return: "return",
"refund", "send ... back", "exchange"; add_to_cart: "add", "buy", "purchase", "put it in my cart",
"I'll take it", "get me this", "order it"). Whatever the planner writes, the tool runs only when the
user's own words consent. The message is read clause by clause: a piece between , ; : . ! ? (a
"sentence piece", which is a question when it ends in "?" or opens with a question word), split
further at "but", "please", "so" and "and" (a "clause"). The rules, in order:

1. A refusal never consents, whatever else the message says:
   a. "never mind", "forget it", "cancel that" anywhere, or a message opening with "cancel"/"stop";
   b. a clause that names the action (in any form: "returning", "added") after a negation in the
      same clause ("I do NOT want to return order 2416", "don't add it", "I didn't order this",
      "I can't afford to buy it", "no refund needed", "please hold off on the return"), or that puts
      it off ("... later", "not now", "not yet", "think about it", "for now"). A negation reaches
      only to the end of its clause: in "It doesn't fit, please return order 5" it describes the
      garment, not the request. One such clause refuses the whole message ("I want to return it,
      not exchange it" is asked again rather than guessed);
   c. a leading "no", "nope", "nah", "wait", or "I changed my mind", unless the message goes on to
      ask for the action itself (rule 2): "No problem, please return order 5", "Wait, I meant:
      return order 6" and "refund order 409, I changed my mind" consent; "no thanks" does not.
2. A request in the user's own words this turn consents: a clause with the action's own word
   (base form) that is
   - not a question about the action: "what is your return policy?", "is it too late to return
     order 5?", "where is my refund?", "what's in my cart?", "how do I return it" are questions.
     A polite request phrased as one is a request: "can/could/would/will you ...", "can/could/may
     I ..." with the action's word next (at most two small words between: "can I still return
     order 549?", "could I get a refund for order 5?", "could you add #12 in M to my cart?").
     (The agent still asks for a missing reason or size; the answer is then read by rule 3.)
     "is it possible to return ...?" stays a question: asking again as a request costs little;
   - not about the action as a thing: "the return policy", "refund status", "return window";
   - not a report of the past: the action in a past form ("I returned order 5 last week", "I ordered
     it yesterday") or after "did", "had", "already", "asked", "told", "said", "tried", "requested".
   A message that names the action only in these ways (a question, a report) consents to nothing:
   it is not an answer to the agent's question either ("I returned it last week").
3. Otherwise only an answer to a question the agent asked about this very action can (its last
   answer was a question naming the action: "Which size should I add?", "Why are you returning
   order 5?"), never one that declines or defers ("I don't want to", "not now", "sure, but not yet",
   "sure, later", "ok I'll think about it", "yes, but let me check the size chart first", "I'll keep
   it"), and only when it is
   a. an affirmative ("yes", "go ahead", "please do", "ok", "sure", "do it", "confirm") that asks
      nothing new and thanks no one: "ok thanks" closes the exchange, it does not say yes;
   b. a short detail (a size, a reason, an order number: at most 8 words, no question, no new
      request such as "show me ...", more than yes/ok/thanks), continuing a request the user made in
      their previous message (which asked for the action by rule 2).
   A change of subject ("show me sneakers") is none of these.
4. Consent is for what the words name. When the call's numbers are given (`ids`: its order_id and
   product_id), and the consenting words name order or product numbers ("order 5", "#12",
   "product 12", or an answer that is just a number), every id of the call must be among them: a
   "yes" to "Why are you returning order 5?" does not return order 6. The words are the message's
   when it names a number, else the agent's question's, else the previous message's (the request
   the answer continues). Words that name no number leave the ids to the planner ("the second one").
   So a call returning one product of order 5 needs the shopper to have named that product too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

HARD_REFUSAL = re.compile(r"^\W*(cancel|stop)\b|"
                          r"\b(never\s*mind|nevermind|forget (it|that|about it)|cancel (it|that))\b", re.I)
SOFT_REFUSAL = re.compile(r"^\W*(no\b(?!\s+longer)|nope\b|nah\b|wait\b)", re.I)
# "I changed my mind" refuses, unless the same message asks for the action: "please refund order
# 409, I changed my mind" gives the change of mind as the reason for the return.
CHANGE_OF_MIND = re.compile(r"\bchanged my mind\b", re.I)
NEGATION = re.compile(r"\b(not|no|never|nor|neither|cannot|can'?t|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|"
                      r"shouldn'?t|isn'?t|aren'?t|wasn'?t|haven'?t|hasn'?t|rather not|hold off)\b", re.I)
# Putting it off is declining it for now, wherever it stands in the clause.
DEFER = re.compile(r"\b(later\b(?!\s+than)|not now|not yet|hold off|think (about it|it over)|for now|"
                   r"another time|some other time)|\bfirst\W*$", re.I)
REPORTED = re.compile(r"\b(did|had|already|asked|told|said|tried|requested)\b", re.I)
PAST_FORMS = {"bought": "buy", "sent": "send", "took": "take", "got": "get"}
ABOUT = re.compile(r"^\W*(policy|policies|window|period|deadline|label|labels|status|process|procedure|rules|"
                   r"conditions|terms|instructions|options|costs?|fees?|info|information|address|form)\b", re.I)
SENTENCE_PIECE = re.compile(r"[^,;:.!?]+[,;:.!?]*|[,;:.!?]+")
CLAUSE_BREAK = re.compile(r"\b(?:but|please|so|and)\b", re.I)
QUESTION_WORD = re.compile(r"^\W*(what|what's|whats|where|where's|when|why|how|which|who|whose|is|isn't|are|"
                           r"was|were|do|does|did|has|have|had|am|can|could|would|will|may|should|shall)\b", re.I)
POLITE = re.compile(r"^\W*(?:please\s+)?(?:can|could|would|will|may)\s+(?:you|u|i|we)\b(?:\s+please\b)?\s*", re.I)
POLITE_FILLER = {"just", "still", "also", "now", "please", "kindly", "get", "have", "go", "ahead", "help", "me",
                 "a", "an", "the", "and"}
POLITE_GAP = 2
AFFIRMATIVE = re.compile(r"^\W*(yes|yeah|yep|yup|sure|ok(ay)?|go ahead|please do|do it|do that|confirm(ed)?|"
                         r"correct|absolutely|definitely|of course|please go ahead)\b", re.I)
# Words that say yes or thank without carrying a detail: "ok thanks" is no size, reason or number.
ACKNOWLEDGEMENT = re.compile(r"\b(thanks|thank you|thx|cheers|ta|got it|noted|i see|good to know|cool|great)\b",
                             re.I)
ASSENT_WORDS = re.compile(r"\b(yes|yeah|yep|yup|sure|ok|okay|alright|fine|go ahead|please|do it|do that|confirm(ed)?|"
                          r"correct|absolutely|definitely|of course|thanks|thank you|thx|cheers|ta|got it|noted|"
                          r"i see|good to know|cool|great)\b", re.I)
NEW_REQUEST = re.compile(r"\?|\b(show|find|search|look(ing)? for|recommend|suggest|browse|what|where|how|which|"
                         r"instead|rather)\b", re.I)
# A negation that declines rather than describes: "I don't want to", "not now", "I don't think so", a
# trailing "don't", or putting it off ("later", "let me check first", "I'll think about it", "I'll keep
# it"). A reason such as "doesn't fit", "no longer fits" or "not as pictured" is none of these.
DECLINE = re.compile(r"\b(not|don'?t|do not|doesn'?t|never|won'?t|wouldn'?t|no longer)\W+(\w+\W+){0,2}?"
                     r"(want|wish|need|mean|think|do|go|proceed|bother|continue|add|now|really|sure|yet|anymore|"
                     r"any more)\b|\b(not|don'?t|do not|won'?t|wouldn'?t|never)\W*$|"
                     r"\b(later\b(?!\s+than)|hold off|think (about it|it over)|let me|keep it|for now|maybe|"
                     r"another time|some other time)|\bfirst\W*$", re.I)
INFLECTION = re.compile(r"\b(\w{3,}?)(?:ing|ed|s)\b", re.I)  # "returning", "added", "refunds"
PAST = re.compile(r"\b(\w{3,}?e?)d\b", re.I)  # "returned" -> "return", "exchanged" -> "exchange"
NUMBERED = re.compile(r"(?:#|\b(?:order|product|item)s?\s*(?:number|no\.?|nr\.?)?\s*#?)\s*(\d+)"
                      r"((?:\s*(?:,|&|\band\b|\bor\b)\s*#?\s*\d+)*)", re.I)
BARE_NUMBER = re.compile(r"^\W*(\d+)\W*$")
DETAIL_WORDS = 8


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def names(action: re.Pattern, text: str) -> bool:
    """The text names the action in any form, "return", "returning", "returned": the agent's question
    "Why are you returning order 5?" names a return, and "I'm not returning it" refuses one. (A request
    must use the action's own words.)"""
    text = _plain(text)
    return action.search(text) is not None or action.search(INFLECTION.sub(r"\1", text)) is not None


def _depast(text: str, strip_e: bool) -> str:
    """The text with past forms made present: "returned" -> "return", "bought" -> "buy"."""
    def present(m: re.Match) -> str:
        return m.group(1)[:-1] if strip_e and m.group(1).endswith("e") else m.group(1)
    text = PAST.sub(present, text)
    for word, base in PAST_FORMS.items():
        text = re.sub(rf"\b{word}\b", base, text, flags=re.I)
    return text


def _reports(action: re.Pattern, text: str) -> bool:
    """The action in a past form: "I returned order 5", "I ordered it yesterday", "I bought it"."""
    now = len(action.findall(text))
    return any(len(action.findall(_depast(text, strip_e))) > now for strip_e in (False, True))


def _polite(action: re.Pattern, piece: str) -> bool:
    """A request phrased as a question: "can you return order 5?", "could I get a refund for order 5?"."""
    m = POLITE.match(piece)
    found = action.search(piece, m.end()) if m else None
    if found is None:
        return False
    gap = piece[m.end(): found.start()].lower().split()
    return len(gap) <= POLITE_GAP and all(w in POLITE_FILLER for w in gap)


def _pieces(action: re.Pattern, text: str) -> list[tuple[str, bool]]:
    """(clause, whether its sentence piece is a question rather than a request) for each clause of the text."""
    out = []
    for piece in SENTENCE_PIECE.findall(_plain(text)):
        question = piece.rstrip().endswith("?") or QUESTION_WORD.search(piece) is not None
        question = question and not _polite(action, piece)
        out.extend((clause, question) for clause in CLAUSE_BREAK.split(piece))
    return out


def _negated(action: re.Pattern, clause: str) -> bool:
    """The clause names the action after a negation of its own, or puts it off."""
    if not names(action, clause):
        return False
    return DEFER.search(clause) is not None or any(names(action, clause[m.end():]) for m in NEGATION.finditer(clause))


def _requests(action: re.Pattern, clause: str, question: bool) -> bool:
    """The clause asks for the action in its own words (rule 2)."""
    found = action.search(clause)
    if found is None or _negated(action, clause) or _reports(action, clause):
        return False
    if question:
        return False
    if ABOUT.search(clause[found.end():]) or REPORTED.search(clause[: found.start()]):
        return False
    return True


def refuses(text: str, action: re.Pattern | None = None) -> bool:
    """A refusal or a change of mind ("no, never mind ..."): it consents to nothing (rule 1a, 1c)."""
    text = _plain(text)
    if HARD_REFUSAL.search(text) is not None:
        return True
    if SOFT_REFUSAL.search(text) is None and CHANGE_OF_MIND.search(text) is None:
        return False
    return not (action is not None and _asks(action, text))


def declines(text: str) -> bool:
    """A no in other words ("I don't want to", "not now", "later"): it answers a question with a refusal."""
    return DECLINE.search(_plain(text)) is not None


def negates(action: re.Pattern, text: str) -> bool:
    """A clause of the text names the action after a negation, or puts it off: "I do NOT want to return it"."""
    return any(_negated(action, clause) for clause, _ in _pieces(action, text))


def is_detail(text: str) -> bool:
    """A short answer filling in a detail (a size, a reason, a number), not a new request nor a bare yes/thanks."""
    text = _plain(text)
    return (not refuses(text) and not declines(text) and len(text.split()) <= DETAIL_WORDS
            and NEW_REQUEST.search(text) is None and re.search(r"\w", ASSENT_WORDS.sub(" ", text)) is not None)


def _asks(action: re.Pattern, text: str) -> bool:
    return not negates(action, text) and any(_requests(action, clause, question)
                                             for clause, question in _pieces(action, text))


def asks_for(action: re.Pattern, text: str) -> bool:
    """The text asks for the action, in its own words, without refusing it (rules 1 and 2)."""
    return bool(text) and not refuses(text, action) and _asks(action, text)


def numbers_named(text: str) -> set[int]:
    """The order and product numbers the words name: "order 5", "#12", "products 3 and 4", or just "7"."""
    text = _plain(text)
    found: set[int] = set()
    for m in NUMBERED.finditer(text):
        found.add(int(m.group(1)))
        found.update(int(n) for n in re.findall(r"\d+", m.group(2) or ""))
    bare = BARE_NUMBER.match(text)
    if bare:
        found.add(int(bare.group(1)))
    return found


def call_ids(arguments: object) -> set[int]:
    """The numbers a tool call acts on (its order_id and product_id), for rule 4."""
    if not isinstance(arguments, Mapping):
        return set()
    ids = set()
    for key in ("order_id", "product_id"):
        value = arguments.get(key)
        if isinstance(value, bool) or value is None:
            continue
        digits = str(value).strip().lstrip("#").strip()
        if digits.isdigit():
            ids.add(int(digits))
    return ids


def _named_ids_allow(ids: set[int] | None, *texts: str) -> bool:
    """Rule 4: the call's ids are among the numbers named by the first of texts that names any."""
    if not ids:
        return True
    for text in texts:
        named = numbers_named(text)
        if named:
            return ids <= named
    return True


def consents(action: re.Pattern, message: str, previous: str = "", question: str = "",
             ids: set[int] | None = None) -> bool:
    """Whether message (after previous, answering question) consents to the action on ids; rules in the module doc."""
    message = _plain(message)
    if refuses(message, action) or negates(action, message):
        return False
    if _asks(action, message):
        return _named_ids_allow(ids, message, question, previous)
    if action.search(message) or _reports(action, message):  # a question about it, or a report: no answer
        return False
    if "?" not in question or not names(action, question):
        return False
    if declines(message):  # "sure, but not now", "I don't want to", "sure, later"
        return False
    if AFFIRMATIVE.search(message) and NEW_REQUEST.search(message) is None and ACKNOWLEDGEMENT.search(message) is None:
        return _named_ids_allow(ids, message, question, previous)
    return asks_for(action, previous) and is_detail(message) and _named_ids_allow(ids, message, question, previous)
