"""Frequency caps, pacing, reach and dead contacts: pure functions with fixed instants."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from herald.contracts import Category, Channel, QuietHours, Recipient
from herald.contracts.recipient import Contacts, PushToken
from herald.scheduler.domain import drop_contact, reach
from herald.scheduler.domain.caps import ALL, Usage, check, next_allowed, record, used
from herald.scheduler.domain.pacing import available
from herald.scheduler.domain.policy import CapRule, Caps, Policies, TenantPolicy
from herald.scheduler.domain.timing import Timing
from herald.scheduler.domain.verdict import Verdict, within_caps
from tests.support.scheduler import push_request

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 11, 27)


def test_per_day_cap_counts_the_recipients_own_calendar_day() -> None:
    rule = CapRule(per_day=3)
    assert next_allowed(rule, Usage(TODAY, 2, NOW), NOW, SH) is None
    full = Usage(TODAY, 3, NOW)
    assert next_allowed(rule, full, NOW, SH) == datetime(2026, 11, 28, tzinfo=SH)
    assert next_allowed(rule, Usage(date(2026, 11, 26), 3, NOW), NOW, SH) is None


def test_minimum_gap_between_sends() -> None:
    rule = CapRule(min_gap_minutes=60)
    recent = Usage(TODAY, 1, NOW - timedelta(minutes=20))
    assert next_allowed(rule, recent, NOW, SH) == NOW + timedelta(minutes=40)
    assert next_allowed(rule, Usage(TODAY, 1, NOW - timedelta(hours=2)), NOW, SH) is None


def test_usage_resets_on_a_new_local_day() -> None:
    assert used(Usage(TODAY, 3, NOW), NOW, SH).sent == 4
    tomorrow = NOW + timedelta(days=1)
    assert used(Usage(TODAY, 3, NOW), tomorrow, SH) == Usage(date(2026, 11, 28), 1, tomorrow)


def test_capped_channel_is_skipped_and_all_capped_waits() -> None:
    caps = Caps(channels={Channel.SMS: CapRule(per_day=1)})
    usage = {"sms": Usage(TODAY, 1, NOW)}
    both = (Channel.SMS, Channel.EMAIL)
    assert check(caps, usage, both, NOW, SH).channels == (Channel.EMAIL,)
    waiting = check(caps, usage, (Channel.SMS,), NOW, SH)
    assert waiting.channels == ()
    assert waiting.retry_at == datetime(2026, 11, 28, tzinfo=SH)


def test_recording_a_send_touches_the_overall_and_channel_scopes() -> None:
    caps = Caps(all=CapRule(per_day=3), channels={Channel.SMS: CapRule(per_day=1)})
    changed = record(caps, {}, Channel.SMS, NOW, SH)
    assert set(changed) == {ALL, "sms"}
    assert record(caps, {}, Channel.EMAIL, NOW, SH).keys() == {ALL}


def test_token_bucket_refills_at_the_rate_up_to_one_second() -> None:
    assert available(10, 0, NOW, NOW + timedelta(seconds=0.5)) == 5
    assert available(10, 0, NOW, NOW + timedelta(seconds=30)) == 10


def test_reach_prefers_listed_channels_with_contact_and_consent() -> None:
    req = push_request("r", {"all": True}, channels=["sms", "email", "app_push"])
    who = Recipient(
        recipient_id="u",
        tenant="acme",
        contacts=Contacts(email="a@b.c", push_tokens=(PushToken(platform="fcm", token="x"),)),
        consent={"marketing": True, "channels": {"email": False}},
    )
    assert reach(req, who).channels == (Channel.APP_PUSH,)
    no_marketing = who.model_copy(
        update={"consent": who.consent.model_copy(update={"marketing": False})}
    )
    assert reach(req, no_marketing).suppressed == "opted_out"
    assert reach(req, None).suppressed == "no_contact"


def test_dead_contacts_are_dropped_and_others_kept() -> None:
    c = Contacts(
        phone="+1",
        push_tokens=(PushToken(platform="fcm", token="a"), PushToken(platform="apns", token="b")),
    )
    assert [t.token for t in drop_contact(c, Channel.APP_PUSH, "a").push_tokens] == ["b"]
    assert drop_contact(c, Channel.SMS, "+1").phone is None
    assert drop_contact(c, Channel.SMS, "+2") == c


def test_policies_come_from_json_with_a_default() -> None:
    p = Policies.model_validate_json(
        '{"default": {"timezone": "Asia/Shanghai"},'
        ' "tenants": {"globex": {"rates": {"sms": 5, "default": 100},'
        ' "quiet_hours": {"start": "21:00", "end": "09:00"}}}}'
    )
    assert p.of("acme").timezone == "Asia/Shanghai"
    assert p.of("globex").rate("sms") == 5
    assert p.of("globex").rate("email") == 100
    assert p.of("acme").rate("sms") is None


def test_over_the_cap_a_send_waits_for_the_next_slot_then_quiet_hours() -> None:
    policy = TenantPolicy(
        caps=Caps(all=CapRule(per_day=1)), quiet_hours=QuietHours(start="00:00", end="08:00")
    )
    timing = Timing(SH, policy.quiet_hours)
    usage = {ALL: Usage(TODAY, 1, NOW)}
    held = within_caps(Category.MARKETING, (Channel.SMS,), NOW, timing, policy, usage, None, ())
    assert (held.verdict, held.due_at) == (Verdict.DEFER, datetime(2026, 11, 28, 8, tzinfo=SH))
    assert held.deferred == ("frequency_capped", "quiet_hours_deferred")
    soon = NOW + timedelta(hours=3)
    dropped = within_caps(Category.MARKETING, (Channel.SMS,), NOW, timing, policy, usage, soon, ())
    assert (dropped.verdict, dropped.reason) == (Verdict.SUPPRESS, "frequency_capped")
    alert = within_caps(Category.ALERT, (Channel.SMS,), NOW, timing, policy, usage, soon, ())
    assert (alert.verdict, alert.channels) == (Verdict.SEND, (Channel.SMS,))


def test_social_channel_reaches_a_recipient_with_a_wechat_openid() -> None:
    req = push_request("r", {"all": True}, channels=["social", "sms"], category="notification")
    who = Recipient(recipient_id="u", tenant="acme", contacts=Contacts(wechat_openid="o-1"))
    assert reach(req, who).channels == (Channel.SOCIAL,)
    without = who.model_copy(update={"contacts": Contacts(phone="+1")})
    assert reach(req, without).channels == (Channel.SMS,)
    assert drop_contact(who.contacts, Channel.SOCIAL, "o-1").wechat_openid is None
    assert drop_contact(who.contacts, Channel.SOCIAL, "o-2") == who.contacts
