"""``allow_private_network`` (what the server turns on for local model servers) opens loopback and
the private ranges, and nothing else: link-local, cloud metadata and the rest stay refused."""

from __future__ import annotations

import httpx
import pytest

import actionforge
from actionforge.egress.addresses import parse_address, refusal

PRIVATE = ["127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "100.64.0.1", "fd12:3456::1"]
NEVER = ["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "fe80::1", "0.0.0.0", "224.0.0.1"]


@pytest.mark.parametrize("text", PRIVATE)
def test_private_addresses_are_refused_by_default_and_opened_by_the_switch(text: str) -> None:
    address = parse_address(text)
    assert refusal(address) is not None
    assert refusal(address, allow_private=True) is None


@pytest.mark.parametrize("text", NEVER)
def test_link_local_and_metadata_stay_refused_with_the_switch(text: str) -> None:
    assert refusal(parse_address(text), allow_private=True) is not None


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]:8080/v1", "http://0.0.0.0:11434/"]
)
async def test_the_public_transport_refuses_metadata_even_when_private_networks_are_open(url: str) -> None:
    settings = actionforge.Settings(allow_private_network=True, allow_http=True, allow_any_port=True)
    async with httpx.AsyncClient(transport=actionforge.guarded_transport(settings=settings)) as client:
        with pytest.raises(actionforge.RequestBlocked):
            await client.get(url)
