"""The dispatcher's egress: the internet on the providers' ports, never the addresses a
hostile webhook URL would aim at (loopback-equivalent, link-local and metadata services,
the cluster's private ranges), in every overlay."""

import ipaddress
from typing import Any

import pytest

from tests.deploy.conftest import of_kind

FORBIDDEN = [
    "127.0.0.1", "127.255.255.254", "0.0.0.1", "169.254.169.254", "169.254.0.1",
    "100.100.100.200", "10.0.0.1", "172.16.0.1", "192.168.1.1",
    "::1", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
]  # fmt: skip


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        if expr["operator"] == "In" and labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def dispatcher_egress(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pod = of_kind(docs, "Deployment")["herald-dispatcher"]["spec"]["template"]["metadata"]
    rules = []
    for policy in of_kind(docs, "NetworkPolicy").values():
        spec = policy["spec"]
        if "Egress" in spec["policyTypes"] and selects(spec["podSelector"], pod["labels"]):
            rules.extend(spec.get("egress", []))
    return rules


def opened(rules: list[dict[str, Any]], address: str) -> bool:
    ip = ipaddress.ip_address(address)
    candidates = [ip] + ([ip.ipv4_mapped] if getattr(ip, "ipv4_mapped", None) else [])
    for rule in rules:
        for peer in rule["to"]:
            block = peer.get("ipBlock")
            if block is None:
                continue
            inside = ipaddress.ip_network(block["cidr"])
            excepted = [ipaddress.ip_network(e) for e in block.get("except", [])]
            for c in candidates:
                if (
                    c.version == inside.version
                    and c in inside
                    and not any(c in e for e in excepted if e.version == c.version)
                ):
                    return True
    return False


def test_every_dispatcher_egress_rule_names_its_destinations(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    rules = dispatcher_egress(overlay[1])
    assert rules
    assert all(rule.get("to") for rule in rules), "a rule without `to` opens every address"


@pytest.mark.parametrize("address", FORBIDDEN)
def test_the_dispatcher_cannot_reach_loopback_link_local_metadata_or_private_ranges(
    overlay: tuple[str, list[dict[str, Any]]], address: str
) -> None:
    assert not opened(dispatcher_egress(overlay[1]), address)


def test_the_dispatcher_still_reaches_providers_on_the_internet(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    assert opened(dispatcher_egress(overlay[1]), "93.184.216.34")
