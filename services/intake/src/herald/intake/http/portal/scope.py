"""Who sees what in the portal. Pure.

A key sees only its own tenant (every read is by the key's tenant: another tenant's
request is simply not found). Within it, an admin sees every department's requests and
reports; anyone else (submitter, viewer) those of their own department, compared as
names are (herald.runtime.identity). A key without a department sees none. Filing is
for submitters and admins with a department, as on `POST /v1/requests`.
"""

from herald.runtime.auth import Principal, Role
from herald.runtime.identity import same_person


def department_scope(who: Principal) -> str | None:
    """The department whose requests the key sees; None: all of the tenant's."""
    return None if who.role == Role.ADMIN else (who.department or "")


def may_see(who: Principal, department: str) -> bool:
    if who.role == Role.ADMIN:
        return True
    return who.department is not None and same_person(who.department, department)


def may_file(who: Principal) -> bool:
    return who.role in (Role.SUBMITTER, Role.ADMIN) and who.department is not None
