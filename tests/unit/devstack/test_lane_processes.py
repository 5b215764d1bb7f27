"""`make run` with HERALD_CRITICAL_LANE_PROCESSES=1: the critical lane's scheduler and
dispatcher run as processes of their own, on their own ports, beside bulk-only ones."""

from pathlib import Path

from herald.devstack.__main__ import build_stack
from herald.devstack.broker import LocalBroker
from herald.devstack.console import CompactRenderer
from herald.devstack.stack import (
    LANE_PORT_STEP,
    LANE_PROCESS_LOCAL_ENV,
    LANE_PROCESSES,
    LOCAL_BROKER_ENV,
    SERVICE_PORTS,
    ServiceProcess,
    Stack,
)


def stack(env: dict[str, str]) -> Stack:
    return build_stack(env, "json", CompactRenderer(colour=False))


def test_the_option_adds_two_critical_processes_on_their_own_ports() -> None:
    s = stack({"HERALD_CRITICAL_LANE_PROCESSES": "1", "HERALD_PORT_OFFSET": "10"})
    assert set(s.ports) == {*SERVICE_PORTS, "scheduler-critical", "dispatcher-critical"}
    assert len(set(s.ports.values())) == len(s.ports)
    assert s.ports["dispatcher-critical"] == SERVICE_PORTS["dispatcher"] + 10 + LANE_PORT_STEP


def test_the_critical_processes_serve_only_the_critical_lane_and_the_others_the_rest(
    tmp_path: Path,
) -> None:
    s = Stack(state_dir=tmp_path, critical_lane_processes=True, bootstrap="127.0.0.1:1")
    lanes = {name: s.service_env(name).get("LANES") for name in s.ports}
    assert lanes == {
        "intake": None,
        "review": None,
        "scheduler": "bulk",
        "dispatcher": "bulk",
        "tracker": None,
        "scheduler-critical": "critical",
        "dispatcher-critical": "critical",
    }
    env = s.service_env("dispatcher-critical")
    assert env["HTTP_PORT"] == str(s.ports["dispatcher-critical"])
    assert ServiceProcess("dispatcher-critical", 1, env).service == "dispatcher"


def test_by_default_one_process_per_service(tmp_path: Path) -> None:
    s = stack({})
    assert set(s.ports) == set(SERVICE_PORTS)
    plain = Stack(state_dir=tmp_path, bootstrap="127.0.0.1:1")
    assert "LANES" not in plain.service_env("scheduler")


def test_on_the_local_broker_only_the_critical_processes_wait_less_for_fetches(
    tmp_path: Path,
) -> None:
    """Tansu never wakes a pending fetch: a one-lane process's single push-path consumer
    asks more often (LANE_PROCESS_LOCAL_ENV); every other process keeps the stack's wait."""
    s = Stack(state_dir=tmp_path, critical_lane_processes=True, broker=LocalBroker(port=1))
    waits = {name: s.service_env(name)["KAFKA_FETCH_MAX_WAIT_MS"] for name in s.ports}
    lanes = set(LANE_PROCESSES)
    assert {waits[n] for n in lanes} == {LANE_PROCESS_LOCAL_ENV["KAFKA_FETCH_MAX_WAIT_MS"]}
    assert {waits[n] for n in set(s.ports) - lanes} == {LOCAL_BROKER_ENV["KAFKA_FETCH_MAX_WAIT_MS"]}


def test_bulk_nice_lowers_only_the_processes_no_critical_push_waits_for() -> None:
    """HERALD_BULK_NICE: the local stand-in for the critical lane's own CPU. Beside the
    critical-lane processes the bulk scheduler, dispatcher and tracker are niced; the
    critical processes, intake and review (every push's path) never are."""
    split = stack({"HERALD_CRITICAL_LANE_PROCESSES": "1", "HERALD_BULK_NICE": "10"})
    niced = {name for name in split.ports if split.nice_of(name)}
    assert niced == {"scheduler", "dispatcher", "tracker"}
    assert {split.nice_of(n) for n in niced} == {10}


def test_a_process_serving_both_lanes_is_never_niced() -> None:
    shared = stack({"HERALD_BULK_NICE": "10"})
    assert {name for name in shared.ports if shared.nice_of(name)} == {"tracker"}
    assert not any(stack({}).nice_of(name) for name in SERVICE_PORTS)
