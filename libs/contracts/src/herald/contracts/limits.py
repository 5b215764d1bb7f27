"""How long a message may be once rendered, per channel: the one set of numbers intake
bounds a template's worst case by, review judges and the dispatcher enforces on the
final text it is about to send (tracked links included).

They are ceilings, not style: about twice what a template may be (`Content` allows a
100-character title and a 4,000-character body), so that personalisation and tracking
links fit while nothing renders without bound. Review's policy may ask for less (its
`format.title_max`, `sms.max_segments`); the dispatcher applies those too when it is
given the same policy file.
"""

from dataclasses import dataclass
from types import MappingProxyType

from herald.contracts.common import Channel


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    """Characters (Unicode code points) per rendered part; SMS also in segments."""

    title: int
    body: int
    subject: int = 0
    """E-mail subject (0: the channel has none and the title stands in)."""
    html: int = 0
    """HTML part (0: the channel carries none)."""
    sms_segments: int = 0
    """SMS only: concatenated segments (GSM-7 153, UCS-2 67 characters each)."""


SMS_MAX_SEGMENTS = 3
"""Segments an SMS may take unless review's policy says otherwise (`sms.max_segments`)."""
TITLE_MAX = MappingProxyType(
    {Channel.APP_PUSH: 50, Channel.IN_APP: 100, Channel.EMAIL: 100, Channel.WEBHOOK: 100}
)
"""Title lengths review's policy asks for unless it says otherwise (`format.title_max`)."""

CHANNEL_LIMITS = MappingProxyType(
    {
        Channel.APP_PUSH: ChannelLimits(title=200, body=8000),
        Channel.SMS: ChannelLimits(title=200, body=1600, sms_segments=10),
        Channel.EMAIL: ChannelLimits(title=200, body=100_000, subject=400, html=1_000_000),
        Channel.IN_APP: ChannelLimits(title=200, body=8000, html=500_000),
        Channel.WEBHOOK: ChannelLimits(title=200, body=8000),
        Channel.SOCIAL: ChannelLimits(title=200, body=8000),
    }
)
"""Hard ceilings per channel. An SMS body of 1,600 characters is at most 24 UCS-2
segments before the segment ceiling (10) refuses it."""


def limits_for(channel: Channel) -> ChannelLimits:
    return CHANNEL_LIMITS[channel]
