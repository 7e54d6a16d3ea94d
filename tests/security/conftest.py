"""A server of their own for the security tests: its login throttle and web files are theirs alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import serving, staff_agent


@pytest.fixture(scope="module")
def server(shop_agent) -> Iterator[str]:  # noqa: ANN001
    """Both pages on 127.0.0.1 (staff: lena, a lead; sam, an agent), fresh for each test module."""
    from ui.server import build_server

    with serving(build_server(staff_agent(shop_agent, lena="lead", sam="agent"))) as url:
        yield url
