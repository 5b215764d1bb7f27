"""The recipient API: bulk import (NDJSON or CSV, streamed), lookup and erasure.

Intake is the departments' HTTP front door; the directory itself is the scheduler's,
filled from push.recipients.v1. So an import is validated here line by line and each
good line published on push.recipients.v1 as a profile, signed by Herald for the
caller's tenant (`herald@<tenant>`, herald.runtime.provenance), exactly as an upstream
producer of that tenant would; an erasure is a tombstone signed the same way, which
every service that keeps anything about the recipient consumes.
"""
