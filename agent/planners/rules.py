"""The offline planner: intent by sentence similarity, slots by grammar, answers by template.

It needs no language model: MiniLM (shipped in a PyPI package) embeds the shopper's words and
the intent is the nearest set of exemplars. Slots and references come from `slots`, and the
answer is a template filled only from tool results, so every product it names was returned by
a tool. It reads only the user's words to decide on tools, so text inside reviews or product
descriptions can never make it call one; a plan of several steps ("the two cheapest ... side by
side", "show me wearing a black blazer", "the boots from my last order") takes from the results
of the call it started only which products came back (and an order line's category), never an
instruction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import numpy as np

from agent.consent import asks_for, is_detail
from agent.conversation import Conversation
from agent.steps import AnswerStep, UserStep
from agent.planners import Reply, ToolCallRequest
from agent.planners import slots as sl
from agent.planners.answers import compose
from agent.tools.registry import REGISTRY
from retrieval.query import is_english

INTENTS: dict[str, list[str]] = {
    "search": ["I'm looking for a navy linen shirt", "show me red dresses under 80", "do you have black jeans",
               "find me white sneakers", "I need a warm winter coat", "something to wear to a summer wedding",
               "any striped t-shirts?", "a denim jacket please", "leather ankle boots in size 40",
               "I'd like some trousers", "I want a jumper", "show me handbags"],
    "refine": ["something cheaper", "anything less expensive", "what about in red", "do you have it in another "
               "colour", "show me more", "cheaper ones please", "the same but under 40"],
    "similar": ["like this but in navy", "find something similar to the second one", "more like that one",
                "do you have anything like this photo", "similar to this but without stripes", "like this but longer"],
    "details": ["tell me more about the first one", "what is it made of", "what sizes does it come in",
                "tell me about it", "what can you tell me about this one",
                "show me the details of the second one", "is it in stock", "what material is that"],
    "compare": ["compare the first and the third", "which is better, 1 or 2", "what's the difference between them",
                "compare these two"],
    "reviews": ["what do people say about it", "are the reviews good", "how does it fit according to reviews",
                "what do customers think of the second one", "any complaints about it",
                "what do reviewers say about the fit", "is it true to size according to customers"],
    "size": ["what size should I take", "which size fits me", "will M fit me", "I'm 178 cm, what size for it",
             "what size am I in this brand", "should I size up"],
    "body": ["analyze my photo", "what are my measurements", "measure me from this picture", "what is my body shape"],
    "recommend": ["what would you recommend for me", "any suggestions for me", "what might I like",
                  "recommend me something", "what's popular for someone like me"],
    "add_to_cart": ["add the second one in M to my cart", "I'll take it in L", "buy the first one in size 42",
                    "put it in my basket", "add it to the cart"],
    "view_cart": ["what's in my cart", "show my basket", "how much is my cart", "view cart"],
    "order_status": ["where is my order", "has order 123 shipped", "track my package", "when will my order arrive",
                     "what's the status of my order", "show me order 5", "I'd like to see my orders"],
    "start_return": ["I want to return order 123", "it's too small, I want to send it back",
                     "how do I get a refund for my order", "return the jeans from my last order",
                     "return order 12 please", "I'd like to return an item", "I want a refund, it arrived broken"],
    "tryon": ["show it on me", "can I try it on", "how would it look on me", "virtual try on",
              "put the second one on my photo", "try this on", "put it on me"],
    "greeting": ["hi", "hello there", "good morning", "hey"],
    "thanks": ["thanks", "that's all, thank you", "great, thanks", "bye"],
    "help": ["what can you do", "help", "how does this work"],
    "customer_history": ["who is this customer", "show the customer's history", "what has she bought before",
                         "customer overview"],
    "draft_reply": ["draft a reply about the order", "write an answer to the customer about the return",
                    "suggest a reply", "draft a response about sizing"],
}
STAFF_ONLY = {"customer_history", "draft_reply"}
CHIT_CHAT = {"view_cart", "greeting", "thanks", "help"}  # a garment named in the text means a search instead
SHOPPER_ONLY = {"recommend"}
MIN_SIMILARITY = 0.4
PRODUCT_NUMBER = re.compile(r"#\d+")
TRY_ON = re.compile(r"\btry\b.{0,30}\bon\b|\bon (me|my photo)\b|\btry-on\b|\bme (wearing|in (a|an|the|this|that|it)\b)|"
                    r"\bhow (would|do|will) i look\b", re.I)
WRITE = re.compile(r"\b(draft|write|reply|respond|answer)\b", re.I)
RECOMMEND = re.compile(r"\b(recommend|suggest)", re.I)
STATUS = re.compile(r"\b(status|where|track|shipped|arrive|deliver)", re.I)
LIKE = re.compile(r"\b(like|similar|same as|alike)\b", re.I)
CHEAPEST = re.compile(r"\b(cheapest|least expensive|lowest[- ]priced?|most affordable)\b", re.I)
DEAREST = re.compile(r"\b(most expensive|priciest|dearest|highest[- ]priced?|most luxurious)\b", re.I)
HOW_MANY = re.compile(r"\b(?:the\s+)?(two|three|four|five|[2-5])\s+(?:cheapest|least|lowest|most|priciest|dearest|"
                      r"highest)", re.I)
SIDE_BY_SIDE = re.compile(r"\b(side by side|compare|comparison|versus|vs\.?)\b", re.I)
ABOUT_PHOTO = {"details", "search", "refine", "similar", "help", "compare", "reviews", "recommend"}
DRESSING = re.compile(r"\b(show me|see me|picture me|how would i look|how do i look|try|wearing|in a|on me|"
                      r"on my photo|put|please)\b", re.I)
SIZES_OF = re.compile(r"\b(bigger|larger|smaller|next) size\b|\bsize (up|down)\b|\bcomes? in (a |an |size )?"
                      r"(bigger|larger|smaller|xxs|xs|s|m|l|xl|xxl|\d{2})\b|\bin (a )?(bigger|larger|smaller)( one)?\b|"
                      r"\bwhat sizes\b|\bwhich sizes\b|\bsizes? (are )?(left|available|in stock)\b", re.I)
LATEST = re.compile(r"\b(last|latest|most recent|newest) (order|purchase)\b", re.I)
ENGLISH_ONLY = "I read English only (this is the offline assistant; a model backend reads more languages)."
FILLER = re.compile(r"\b(show me|find( me)?|something|anything|similar( to)?|like|more|the same|this|that|one|it|"
                    r"photo|picture|please|do you have|but)\b", re.I)


class RulesPlanner:
    name = "rules"

    def __init__(self, encoder, brands: list[str] | tuple[str, ...] = ()) -> None:  # noqa: ANN001
        self.encoder = encoder
        self.brands = tuple(brands)
        self.labels = [name for name, examples in INTENTS.items() for _ in examples]
        self.exemplars = self._embed([e for examples in INTENTS.values() for e in examples])
        # conversation key -> the next step of a plan of several, given this turn's tool results so far
        self.plans: dict[str, Callable[[list[dict], list[dict]], Reply | None]] = {}

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True))

    def intent(self, text: str, persona: str = "shopper", has_photo: bool = False) -> tuple[str, float]:
        """The nearest intent and its similarity; photos, personas and missing consent words rule some out."""
        if not text.strip():
            return ("similar" if has_photo else "help"), 1.0
        if persona == "staff" and WRITE.search(text):
            return "draft_reply", 1.0  # "write her something": whatever about, staff ask for a draft
        sims = self.exemplars @ self._embed([PRODUCT_NUMBER.sub("it", text)])[0]
        best: dict[str, float] = {}
        for label, s in zip(self.labels, sims):
            if (label in STAFF_ONLY and persona != "staff") or (label in SHOPPER_ONLY and persona == "staff"):
                continue
            consent = REGISTRY[label].consent if label in REGISTRY else None
            if consent is not None and not asks_for(consent, text):
                continue  # "show order 5" is not a return: side effects need their words
            best[label] = max(best.get(label, -1.0), float(s))
        label = max(best, key=best.get)
        parsed = sl.catalog_slots(text, self.brands)
        wants_goods = parsed is not None and parsed.has_constraints
        if best[label] < MIN_SIMILARITY or (label in CHIT_CHAT and parsed is not None and parsed.filters.categories):
            return ("search" if wants_goods else "help"), best[label]
        return self._keywords(label, text, persona), best[label]

    @staticmethod
    def _keywords(label: str, text: str, persona: str) -> str:
        """Words that settle what similarity leaves close: "recommend" asks for advice, "return" for a return."""
        if label in ("search", "refine") and RECOMMEND.search(text) and persona != "staff":
            return "recommend"
        if label in ("details", "search", "refine", "similar", "size") and TRY_ON.search(text):
            return "tryon"
        if label == "order_status" and asks_for(REGISTRY["start_return"].consent, text) and not STATUS.search(text):
            return "start_return"
        return label

    # ------------------------------------------------------------ one step

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[str | Reply]:
        last_user = max(i for i, msg in enumerate(conv.messages) if msg["role"] == "user")
        results = [json.loads(msg["content"]) for msg in conv.messages[last_user + 1:] if msg["role"] == "tool"]
        calls = [c for msg in conv.messages[last_user + 1:] for c in msg.get("tool_calls", [])]
        if results:
            plan = self.plans.pop(conv.key, None)
            follow = plan(calls, results) if plan is not None else None
            yield follow if follow is not None else Reply(compose(calls, results))
            return
        user = conv.messages[last_user]
        yield self.decide(conv, user["content"], bool(user.get("photo_ids")))

    def decide(self, conv: Conversation, text: str, photo_now: bool) -> Reply:
        self.plans.pop(conv.key, None)  # a new message: whatever an earlier one planned is over
        state = sl.state_of(conv)
        pending = _asked(conv)
        if pending:
            filled = self._fill(pending, text)
            if filled:
                return filled
        if not is_english(text):
            return self._foreign(conv, text)
        intent, _ = self.intent(text, conv.persona, photo_now)
        named = sl.references(text, state)
        pointed = named or sl.DEICTIC.search(text) or conv.images
        if intent in ("search", "refine") and LIKE.search(text) and pointed:
            intent = "similar"  # "like the first one but in red" names a product to start from
        if photo_now and intent in ABOUT_PHOTO and not named:
            intent = "similar"  # a photo sent with "find me this" or "what is this": "this" is the photo
        if (CHEAPEST.search(text) or DEAREST.search(text)) and intent in ABOUT_PHOTO - {"similar"}:
            return self._superlative(conv, text, state)
        if SIZES_OF.search(text) and not photo_now and intent not in ("add_to_cart", "start_return", "tryon"):
            shown = self._shown_product(text, state)
            if shown is not None:  # "does the second one come in a bigger size?": its sizes, not a new search
                return self._sizes(conv, shown)
        handler = getattr(self, f"_{intent}")
        return handler(conv, text, state, photo_now)

    def _shown_product(self, text: str, state: sl.State) -> int | None:
        """The shown product a question is about: named, or in focus when the words name no other garment."""
        named = sl.references(text, state)
        if named:
            return named[0]
        parsed = sl.catalog_slots(text, self.brands)
        return None if parsed is not None and parsed.filters.categories else sl.focus(text, state)

    def _sizes(self, conv: Conversation, pid: int) -> Reply:
        """A product's sizes in stock (get_product), and for a signed-in shopper the size advice beside them."""
        calls = [ToolCallRequest("get_product", {"product_id": pid})]
        if conv.customer_id is not None:
            calls.append(ToolCallRequest("recommend_size", {"product_id": pid}))
        return Reply(calls=calls)

    def _foreign(self, conv: Conversation, text: str) -> Reply:
        """A message in a language the offline planner does not read: one line in English saying so, and a search
        for the catalog words it does know ("vaqueros", "rouge" are in the taxonomy) when there are any."""
        parsed = sl.catalog_slots(text, self.brands)
        if parsed is None or not parsed.has_constraints:
            return Reply(f"{ENGLISH_ONLY} Please write in English, e.g. 'red summer dress under 60'.")
        understood = "; ".join(parsed.understood)
        self.plans[conv.key] = lambda calls, results: Reply(
            f"{ENGLISH_ONLY} I searched for what I could read ({understood}).\n\n{compose(calls, results)}")
        return self._call("search_products", query=text, k=5)

    def _superlative(self, conv: Conversation, text: str, state: sl.State) -> Reply:
        """"The cheapest wool coat", "the two most expensive bags side by side": a search ordered by price,
        compared when several are asked for side by side."""
        order = "price_low" if CHEAPEST.search(text) else "price_high"
        count = HOW_MANY.search(text)
        n = (sl.WORD_NUMBERS.get(count.group(1).lower()) or int(count.group(1))) if count else None
        parsed = sl.catalog_slots(text, self.brands)
        query = text if parsed is not None and parsed.has_constraints else (state.last_query or text)
        if n and n >= 2 and SIDE_BY_SIDE.search(text):
            self.plans[conv.key] = lambda calls, results: self._compare_found(results[-1], n)
        return self._call("search_products", query=query, k=n or 5, order=order)

    def _compare_found(self, found: dict, n: int) -> Reply | None:
        ids = [card["product_id"] for card in found.get("results", [])][:n]
        return self._call("compare_products", product_ids=ids) if len(ids) >= 2 else None

    def _fill(self, pending: dict, text: str) -> Reply | None:
        """The answer to a question the planner asked: a size, a reason, an order number."""
        if not is_detail(text):  # "no, never mind, show me sneakers" answers nothing: a new request
            return None
        args = dict(pending["arguments"])
        slot = pending["slot"]
        value = {"size": sl.size_label(f"size {text.strip()}") or sl.size_label(text),
                 "reason": sl.return_reason(text) or (text.strip() if len(text.split()) <= 6 else None),
                 "order_id": sl.order_id(text) or (int(text.strip("# ")) if text.strip("# ").isdigit() else None)}[slot]
        if value is None:
            return None
        args[slot] = value
        return Reply(calls=[ToolCallRequest(pending["name"], args)])

    @staticmethod
    def _ask(conv: Conversation, name: str, arguments: dict, slot: str, question: str) -> Reply:
        """A question for one missing slot; the call waiting on it is stored with the answer (AnswerStep.pending)."""
        return Reply(question, pending={"name": name, "arguments": arguments, "slot": slot})

    @staticmethod
    def _call(name: str, **arguments: object) -> Reply:
        return Reply(calls=[ToolCallRequest(name, {k: v for k, v in arguments.items() if v is not None})])

    @staticmethod
    def _no_product(state: sl.State) -> Reply:
        if state.shown:
            return Reply("Which one do you mean? Say e.g. 'the second one'.")
        return Reply("Which product do you mean? Search first, e.g. 'navy linen shirt under 60'.")

    # ------------------------------------------------------------ intents

    def _search(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if photo_now:
            return self._similar(conv, text, state, photo_now)
        parsed = sl.catalog_slots(text, self.brands)
        follow_up = state.last_query and parsed is not None and not parsed.filters.categories and \
            (parsed.filters.colours or parsed.filters.price_max is not None) and len(text.split()) <= 6
        query = sl.refine(state.last_query, text) if follow_up else text
        return self._call("search_products", query=query, k=5)

    def _refine(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if not state.last_query:
            return self._search(conv, text, state, photo_now)
        if re.search(r"cheaper|less expensive|lower price|budget", text, re.I) and state.shown:
            median = float(np.median([c["price"] for c in state.shown]))
            return self._call("search_products", query=sl.refine(state.last_query, ""),
                              max_price=round(median - 0.01, 2), k=5)
        parsed = sl.catalog_slots(text, self.brands)
        if re.search(r"\bmore\b", text, re.I) and not (parsed and parsed.has_constraints):
            return self._call("search_products", query=state.last_query, k=10)
        return self._call("search_products", query=sl.refine(state.last_query, text), k=5)

    def _similar(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        change = text.split(" but ", 1)[1] if " but " in f" {text} " else " ".join(FILLER.sub(" ", text).split())
        change = sl.ORDINAL.sub(" ", change).strip(" ,.?!")
        named = sl.references(text, state)
        if photo_now or (not named and conv.images and state.focus is None):
            if not conv.images:
                return Reply("Send me a photo of the garment, or tell me which product to start from.")
            return self._call("find_similar", photo_id="latest", change=change, k=5)
        pid = named[0] if named else sl.focus(text, state)
        if pid is None:
            return self._no_product(state)
        return self._call("find_similar", product_id=pid, change=change, k=5)

    def _details(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        pid = sl.focus(text, state)
        return self._call("get_product", product_id=pid) if pid is not None else self._no_product(state)

    def _compare(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        ids = sl.references(text, state)
        if len(ids) < 2:
            ids = [c["product_id"] for c in state.shown[:3]]
        if len(ids) < 2:
            return Reply("Which products should I compare? Search first, then say e.g. 'compare 1 and 3'.")
        return self._call("compare_products", product_ids=ids[:4])

    def _reviews(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        pid = sl.focus(text, state)
        return self._call("summarize_reviews", product_id=pid) if pid is not None else self._no_product(state)

    def _size(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        pid = sl.focus(text, state)
        if pid is None:
            return self._no_product(state)
        height = sl.height_cm(text)
        use_photo = bool(conv.images) and height is not None
        if conv.customer_id is None and not use_photo:
            return Reply("To advise a size, send a full-body photo and tell me your height, e.g. 'I'm 172 cm'.")
        return self._call("recommend_size", product_id=pid, photo_id="latest" if use_photo else None,
                          height_cm=height if use_photo else None)

    def _body(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if not conv.images:
            return Reply("Send a full-body photo (arms a little away from the body) and your height in cm.")
        return self._call("analyze_body", photo_id="latest", height_cm=sl.height_cm(text))

    def _recommend(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if conv.customer_id is None:
            return Reply("Sign in and I can suggest things from what people with your taste bought; meanwhile, "
                         "tell me what you are looking for.")
        parsed = sl.catalog_slots(text, self.brands)
        category = next(iter(parsed.filters.categories), None) if parsed else None
        return self._call("recommend_for_me", k=5, category=category,
                          max_price=parsed.filters.price_max if parsed else None)

    def _add_to_cart(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        pid = sl.focus(text, state)
        if pid is None:
            return self._no_product(state)
        args = {"product_id": pid, "quantity": sl.quantity(text)}
        size = sl.size_label(text)
        if size is None:
            card = next((c for c in state.shown if c["product_id"] == pid), None)
            sizes = f"In stock: {', '.join(card['sizes_in_stock'])}. " if card and card.get("sizes_in_stock") else ""
            return self._ask(conv, "add_to_cart", args, "size", f"{sizes}Which size should I add?")
        return self._call("add_to_cart", **args, size=size)

    def _view_cart(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        return self._call("view_cart")

    def _order_status(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if conv.customer_id is None:
            return Reply("Please sign in to see your orders.")
        return self._call("order_status", order_id=sl.order_id(text))

    def _start_return(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if conv.customer_id is None:
            return Reply("Please sign in to start a return.")
        order = sl.order_id(text)
        args = {"order_id": order, "reason": sl.return_reason(text)}
        parsed = sl.catalog_slots(text, self.brands)
        if order is None and parsed is not None and parsed.filters.categories:
            # "the boots from my last order": find them in the customer's orders first
            wanted, latest = parsed.filters.categories, LATEST.search(text) is not None
            self.plans[conv.key] = lambda calls, results: self._return_found(conv, results[-1], wanted, latest,
                                                                             args["reason"])
            return self._call("order_status")
        if order is None:
            return self._ask(conv, "start_return", args, "order_id",
                             "Which order do you want to return? The number is in your confirmation e-mail.")
        if args["reason"] is None:
            return self._ask(conv, "start_return", args, "reason",
                             f"Why are you returning order {order}: too small, too large, damaged, or something else?")
        return self._call("start_return", **args)

    def _return_found(self, conv: Conversation, found: dict, wanted: set[str], latest: bool,
                      reason: str | None) -> Reply:
        """The return of the line of the customer's orders (newest first; only the newest for "my last order")
        whose product is of the category named; none: say so, with the orders looked at."""
        orders = found.get("orders", [])[:1 if latest else None]
        for order in orders:
            for line in order["lines"]:
                named = sl.catalog_slots(line["title"], self.brands)
                if named is not None and named.filters.categories & wanted and not line["returned"]:
                    args = {"order_id": order["order_id"], "reason": reason, "product_id": line["product_id"]}
                    if reason is None:
                        return self._ask(conv, "start_return", args, "reason",
                                         f"Why are you returning the {line['title']} from order {order['order_id']}: "
                                         "too small, too large, damaged, or something else?")
                    return self._call("start_return", **args)
        looked = ", ".join(str(o["order_id"]) for o in orders) or "none"
        what = " or ".join(sorted(wanted))
        return Reply(f"I found no {what} to return in {'your last order' if latest else 'your orders'} "
                     f"(orders looked at: {looked}). Tell me the order number, or which item it is.")

    def _tryon(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if not conv.images:
            return Reply("Send me a photo of yourself, facing the camera (head to toe for trousers and dresses), "
                         "and I'll show it on you.")
        size = sl.size_label(text)
        described = self._described(text, state)
        if described is not None:  # "show me wearing a black blazer": find it, then try the best match on
            self.plans[conv.key] = lambda calls, results: self._try_best(results[-1], size)
            return self._call("search_products", query=described, k=3)
        pid = sl.focus(text, state)
        if pid is None:
            return self._no_product(state)
        return self._try(pid, size)

    def _described(self, text: str, state: sl.State) -> str | None:
        """The words of a garment described rather than pointed at ("a black blazer", not "the second one" or
        "it"): a category named, and no product referred to, or one of another category in focus."""
        parsed = sl.catalog_slots(text, self.brands)
        if parsed is None or not parsed.filters.categories or sl.references(text, state):
            return None
        focus = next((c for c in state.shown if c["product_id"] == state.focus), None)
        if sl.DEICTIC.search(text) and focus is not None and focus.get("category") in parsed.filters.categories:
            return None  # "try that dress on" while a dress is in focus
        return " ".join(DRESSING.sub(" ", TRY_ON.sub(" ", text)).split()) or text

    @staticmethod
    def _try(pid: int, size: str | None) -> Reply:
        return Reply(calls=[ToolCallRequest("virtual_try_on", {"product_id": pid, "photo_id": "latest", "size": size}),
                            ToolCallRequest("describe_look", {"product_id": pid, "size": size})])

    def _try_best(self, found: dict, size: str | None) -> Reply | None:
        """The best match of the search just run, tried on (the answer names it); nothing found: the search's answer."""
        cards = found.get("results", [])
        return self._try(cards[0]["product_id"], size) if cards else None

    def _greeting(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        return Reply("Hello! What are you looking for today? You can describe it, e.g. 'navy linen shirt under 60', "
                     "or send a photo.")

    def _thanks(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        return Reply("You're welcome. Happy shopping!")

    def _help(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        if conv.persona == "staff":
            return Reply("I can show this customer's history and orders, look up products, open returns and "
                         "draft replies. Try 'customer overview' or 'draft a reply about the order'.")
        return Reply("I can find garments from words or a photo ('like this but in navy'), compare them, sum up "
                     "reviews, tell you which size to take, and handle your cart, orders and returns.")

    def _customer_history(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        return self._call("customer_history")

    def _draft_reply(self, conv: Conversation, text: str, state: sl.State, photo_now: bool) -> Reply:
        lowered = text.lower()
        topic = next((t for t, words in (("return", ("return", "refund", "send back", "exchange")),
                                         ("size", ("size", "fit")),
                                         ("order_status", ("order", "deliver", "shipping", "shipped", "track",
                                                           "parcel", "package", "arrive", "courier", "late",
                                                           "never came", "hasn't come", "not received")),
                                         ("product", ("product", "item", "material"))) if any(w in lowered for w in words)),
                     "general")
        pid = sl.focus(text, state) if topic in ("size", "product") else None
        return self._call("draft_reply", topic=topic, order_id=sl.order_id(text), product_id=pid)


def _asked(conv: Conversation) -> dict | None:
    """The tool call the agent's last answer asked a slot for, when that answer came right before this message."""
    steps = conv.steps
    last_user = max((i for i, step in enumerate(steps) if isinstance(step, UserStep)), default=-1)
    before = steps[last_user - 1] if last_user > 0 else None
    return before.pending if isinstance(before, AnswerStep) else None
