"""shopagent.hub: the device setting resolved in one place."""

from __future__ import annotations

import pytest
import torch

from shopagent.hub import resolve_device


@pytest.mark.parametrize(("gpu", "expected"), [(True, "cuda"), (False, "cpu")])
def test_auto_is_the_gpu_when_torch_sees_one(monkeypatch: pytest.MonkeyPatch, gpu: bool, expected: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    assert resolve_device("auto") == expected


@pytest.mark.parametrize("name", ["cpu", "cuda", "cuda:1"])
def test_a_named_device_is_kept(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device(name) == name


def test_an_unknown_device_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="auto, cpu, cuda"):
        resolve_device("tpu")
