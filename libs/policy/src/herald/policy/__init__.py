"""Pure checks shared by review and the dispatcher: links and SMS segments.

    from herald.policy import LinkPolicy, check_url, urls_in, sms_segments

- `urls_in(text) -> list[str]`: every link in a plain text, as written.
- `check_url(url, policy) -> tuple[LinkFinding, ...]`: every problem with one link.
- `sms_segments(text) -> Segments`: segments, encoding and units of an SMS text.
"""

from herald.policy.links import LinkFinding, LinkPolicy, check_url
from herald.policy.sms import Segments, sms_segments
from herald.policy.urls import urls_in

__all__ = ["LinkFinding", "LinkPolicy", "Segments", "check_url", "sms_segments", "urls_in"]
