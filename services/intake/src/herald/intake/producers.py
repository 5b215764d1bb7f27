"""Who submits a request that came on Kafka: its producer's credential, never its body.

A producer's credential (herald.runtime.producers) names one tenant and the user and
department it submits as. A request for another tenant is refused as `unauthorized`;
the `rejected` Status that says so is addressed to the producer's own tenant (see
`refusal_status_tenant`), never to the tenant the body names.
"""

from herald.contracts.internal import Submitter
from herald.runtime.provenance import Producer


def refusal(tenant: str | None, producer: Producer) -> str | None:
    """Why `producer` may not submit a request for `tenant`, if it may not."""
    if producer.is_herald:
        return "Herald's own services do not submit requests on push.requests.v1"
    if tenant is not None and not producer.may_speak_for(tenant):
        return (
            f"producer '{producer.id}' submits for tenant '{producer.tenant}' only, "
            f"not for '{tenant[:128]}'"
        )
    return None


def submitter(producer: Producer) -> Submitter:
    """The submitter of a request `producer` may submit (`refusal` said None)."""
    if producer.user is None or producer.department is None:
        raise ValueError(f"producer '{producer.id}' has no user and department to submit as")
    return Submitter(
        user=producer.user, department=producer.department, credential=producer.id, via="kafka"
    )


def refusal_status_tenant(producer: Producer) -> str | None:
    """Where the `rejected` Status of a refused request goes: the producer's own tenant.

    A Status in the tenant the body names would let one tenant's producer mark another
    tenant's request `rejected` (intake mirrors statuses, and upstream systems read them
    by tenant and request id). In the producer's own tenant it tells the producer, and
    no one else, what became of what it sent; it can touch only a request of its own
    tenant with that id, which the producer could as well have resubmitted. Herald's own
    producer has no tenant: no Status then, the dead letter only."""
    return producer.tenant
