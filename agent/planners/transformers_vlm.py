"""A local vision-language model as the planner (Qwen3-VL by default), through transformers.

Images go to the model natively (the processor's chat template places them); the tools go in
the template's tools block; the model's Hermes-style <tool_call> blocks are parsed by `hermes`.
Text is streamed as it is generated, with tool-call and thinking markup held back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from threading import Thread

from agent.conversation import Conversation
from shopagent.hub import resolve_device
from agent.planners import PlannerError, Reply, chat_messages, hermes
from shopagent.settings import Settings

HIDDEN_START = re.compile(r"<tool_call>|<think>")


def visible_prefix(text: str) -> str:
    """What can be shown of a partial output: answer text, not markup (a half-written tag is held back)."""
    text = re.sub(r"<think>.*?</think>", "", text, flags=re.S)
    cut = HIDDEN_START.search(text)
    if cut:
        text = text[:cut.start()]
    last = text.rfind("<")
    return text[:last] if last != -1 and ">" not in text[last:] else text


class TransformersPlanner:
    name = "transformers"

    def __init__(self, model, processor, max_new_tokens: int = 512) -> None:  # noqa: ANN001
        self.model = model
        self.processor = processor
        self.max_new_tokens = max_new_tokens

    @classmethod
    def load(cls, path: str, settings: Settings) -> TransformersPlanner:
        """From a local folder; fp16 on a GPU, fp32 on the CPU."""
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor

        device = resolve_device(settings.device)
        processor = AutoProcessor.from_pretrained(path)
        model = AutoModelForImageTextToText.from_pretrained(
            path, dtype=torch.float16 if device == "cuda" else torch.float32).to(device).eval()
        return cls(model, processor, settings.agent_max_new_tokens)

    def step(self, conv: Conversation, system: str, tools: list[dict]) -> Iterator[str | Reply]:
        from transformers import TextIteratorStreamer

        messages = chat_messages(conv, system, lambda _pid, image: {"type": "image", "image": image},
                                 arguments_as_json=False)
        try:
            inputs = self.processor.apply_chat_template(messages, tools=tools, add_generation_prompt=True,
                                                        tokenize=True, return_dict=True, return_tensors="pt")
        except Exception as exc:  # a template that cannot render this conversation
            raise PlannerError(f"the model's chat template failed: {exc}") from exc
        inputs = inputs.to(self.model.device)
        streamer = TextIteratorStreamer(self.processor.tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []

        def generate() -> None:
            try:
                self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False, streamer=streamer)
            except BaseException as exc:  # re-raised in the caller's thread
                failure.append(exc)
                streamer.end()

        worker = Thread(target=generate, daemon=True)
        worker.start()
        text, shown = "", 0
        for piece in streamer:
            text += piece
            visible = visible_prefix(text)
            if len(visible) > shown:
                yield visible[shown:]
                shown = len(visible)
        worker.join()
        if failure:
            raise PlannerError(f"generation failed: {failure[0]}")
        yield hermes.parse(text)
