"""The portal's form as a PushRequest body: the key's holder as requester, audiences,
schedule in the chosen zone, labels, per-channel wording, and errors by form field."""

from herald.intake.http.portal.form import draft, form_field
from herald.runtime.auth import Principal, Role
from herald.runtime.websessions import Form

LI = Principal("acme-submitter", "acme", Role.SUBMITTER, "li.wei", "marketing")


def form(**fields: str | list[str]) -> Form:
    base: dict[str, list[str]] = {"request_id": ["mkt-1"], "goal": ["g"], "category": ["marketing"],
                                  "title": ["t"], "body": ["b"], "channels": ["sms", "email"],
                                  "recipients": ["u-1"]}  # fmt: skip
    return Form(base | {k: v if isinstance(v, list) else [v] for k, v in fields.items()})


def test_the_requester_and_tenant_are_the_keys_whatever_the_form_says() -> None:
    out = draft(form(requester="someone", tenant="globex"), LI)
    assert out.body["requester"] == {"user": "li.wei", "department": "marketing"}
    assert out.body["tenant"] == "acme" and out.problems == []


def test_recipients_split_on_spaces_commas_and_lines_and_tags_make_a_segment() -> None:
    assert draft(form(recipients="u-1, u-2\nu-3  u-4"), LI).body["audience"] == {
        "recipients": ["u-1", "u-2", "u-3", "u-4"]
    }
    tags = draft(form(audience="tags", tags_any="vip, gold", tags_none="churned"), LI)
    assert tags.body["audience"] == {
        "segment": {"tags_any": ["vip", "gold"], "tags_none": ["churned"]}
    }
    none = draft(form(audience="tags"), LI)
    assert [p.field for p in none.problems] == ["tags_any"]


def test_times_take_the_chosen_zone_and_bad_ones_are_named() -> None:
    out = draft(form(send_at="2026-12-01T20:00", timezone="Asia/Shanghai", local_time="1"), LI)
    assert out.body["schedule"] == {
        "send_at": "2026-12-01T20:00:00+08:00", "recipient_local_time": True
    }  # fmt: skip
    bad = draft(form(send_at="soon", timezone="Mars/Base"), LI)
    assert {p.field for p in bad.problems} == {"timezone"}
    assert [p.field for p in draft(form(send_at="soon"), LI).problems] == ["send_at"]
    assert "schedule" not in draft(form(), LI).body


def test_labels_are_key_value_lines() -> None:
    out = draft(form(labels="campaign = winter\n\nab=x=y"), LI)
    assert out.body["labels"] == {"campaign": "winter", "ab": "x=y"}
    assert [p.message for p in draft(form(labels="oops\n=x"), LI).problems] == [
        "'oops' is not key=value", "'=x' is not key=value"
    ]  # fmt: skip


def test_wording_per_channel_only_for_chosen_channels_and_only_what_is_filled() -> None:
    out = draft(
        form(v_sms_title="短", v_sms_body="", v_email_subject="Hi", v_app_push_title="x"), LI
    )
    assert out.body["content"]["variants"] == {"sms": {"title": "短"}, "email": {"subject": "Hi"}}


def test_contract_errors_point_at_form_fields() -> None:
    paths = {
        "content.title": "title",
        "content.variants.sms.body": "v_sms_body",
        "audience.recipients.3": "recipients",
        "audience.segment": "tags_any",
        "schedule": "expires_at",
        "schedule.send_at": "send_at",
        "labels.a": "labels",
        "requester.user": "",
    }
    assert {p: form_field(p) for p in paths} == paths


def test_a_named_template_replaces_the_content_and_its_errors_find_their_fields() -> None:
    out = draft(form(template="welcome", template_version="2", template_locale="zh-Hant",
                     template_values="name=Ann\norder = A-17"), LI)  # fmt: skip
    assert "content" not in out.body and out.problems == []
    assert out.body["template"] == {
        "name": "welcome", "version": 2, "locale": "zh-Hant",
        "values": {"name": "Ann", "order": "A-17"},
    }  # fmt: skip
    latest = draft(form(template="welcome"), LI).body["template"]
    assert latest == {"name": "welcome", "values": {}}  # no version: the latest published
    bad = draft(form(template="welcome", template_version="v2", template_values="oops"), LI)
    assert [p.field for p in bad.problems] == ["template_version", "template_values"]
    assert form_field("template.values.name") == "template_values"
    assert form_field("template.version") == "template_version"
    assert form_field("template") == "template"
    assert form_field("content.variants.sms.body") == "v_sms_body"
