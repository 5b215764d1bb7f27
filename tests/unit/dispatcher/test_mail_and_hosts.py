"""E-mail contacts and headers (mail.py); per-receiver circuits (hosts.py); the config's
allow-list of private webhook ranges; the default send_many."""

import asyncio

import pytest
from pydantic import ValidationError

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.hosts import HostCircuits
from herald.dispatcher.providers.mail import clean, one_address
from herald.dispatcher.routing.config import WebhookSpec
from tests.unit.dispatcher.builders import send as make_send


@pytest.mark.parametrize(
    ("contact", "address"),
    [
        ("li@example.com", "li@example.com"),
        ("  li@example.com ", "li@example.com"),
        ("Li Wei <li@example.com>", "li@example.com"),
        ("li@例子.测试", "li@xn--fsqu00a.xn--0zwm56d"),
        ("li@example.com, evil@example.net", None),
        ("li@example.com;evil@example.net", None),
        ("Li <li@example.com> <evil@example.net>", None),
        ("li@example.com <evil@example.net>", None),
        ("li@exa mple.com", None),
        ("li@example.com\nBcc: evil@example.net", None),
        ('"quoted"@example.com', None),
        ("a@b@example.com", None),
        (".li@example.com", None),
        ("li..wei@example.com", None),
        ("li@-example.com", None),
        ("@example.com", None),
        ("li@", None),
    ],
)
def test_a_contact_is_exactly_one_address_or_nothing(contact: str, address: str | None) -> None:
    assert one_address(contact) == address


def test_header_values_lose_every_control_character() -> None:
    assert clean("Sale\r\nBcc: x\x00\x85\u2028!") == "Sale  Bcc: x   !"


def test_a_receiver_is_skipped_after_failures_in_a_row_then_tried_again() -> None:
    now = [0.0]
    circuits = HostCircuits(threshold=2, reset_s=10, clock=lambda: now[0])
    circuits.record("a.example", ok=False)
    assert circuits.wait("a.example") is None
    circuits.record("a.example", ok=False)
    assert circuits.wait("a.example") == 10
    assert circuits.wait("b.example") is None  # other receivers are not affected
    now[0] = 10.5
    assert circuits.wait("a.example") is None  # tried again after reset_s
    circuits.record("a.example", ok=True)
    now[0] = 11
    circuits.record("a.example", ok=False)
    assert circuits.wait("a.example") is None  # a success started the count again


def test_the_circuits_remember_a_bounded_number_of_receivers() -> None:
    circuits = HostCircuits(threshold=1, max_hosts=3)
    for i in range(10):
        circuits.record(f"h{i}.example", ok=False)
    assert circuits.wait("h0.example") is None
    assert circuits.wait("h9.example") is not None


@pytest.mark.parametrize(
    "network", ["127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/0", "::1/128", "fe80::/10", "224.0.0.0/4"]
)
def test_loopback_link_local_and_multicast_cannot_be_allow_listed(network: str) -> None:
    with pytest.raises(ValidationError, match="cannot be allowed"):
        WebhookSpec.model_validate({"kind": "webhook", "allow_networks": [network]})


def test_private_ranges_can_be_allow_listed() -> None:
    spec = WebhookSpec.model_validate(
        {"kind": "webhook", "allow_networks": ["10.20.0.0/16", "fd12:3456::/32"]}
    )
    assert [str(n) for n in spec.allow_networks] == ["10.20.0.0/16", "fd12:3456::/32"]


async def test_the_default_send_many_answers_in_order_within_the_providers_limit() -> None:
    class Slow(Provider):
        name, concurrency = "slow", 3

        def __init__(self) -> None:
            self.running = self.most = 0

        async def send(self, message: Message) -> Attempt:
            self.running += 1
            self.most = max(self.most, self.running)
            await asyncio.sleep(0)
            self.running -= 1
            return Attempt(Result.SENT, self.name, message.delivery_id)

    provider = Slow()
    batch = [render(make_send(f"d-{i}"), Channel.SMS) for i in range(10)]
    attempts = await provider.send_many(batch)
    assert [a.detail for a in attempts] == [f"d-{i}" for i in range(10)]
    assert provider.most == 3
