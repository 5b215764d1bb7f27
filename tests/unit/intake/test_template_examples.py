"""The README's template example: its texts are a valid version, and the request naming
it resolves (against that version, approved) into a valid request in zh-Hant."""

import json
from datetime import timedelta
from pathlib import Path

from tests.unit.intake.template_fakes import AT, FakeTemplateStore

from herald.contracts import PushRequest
from herald.contracts.template_review import TemplateTexts
from herald.intake.domain import Limits
from herald.intake.templates.domain import State, text_errors
from herald.intake.templates.resolving import Resolver, parse_submission

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


async def test_the_readme_template_example_is_published_and_used() -> None:
    texts = TemplateTexts.model_validate_json((EXAMPLES / "template-texts.json").read_bytes())
    assert text_errors(texts) == []
    store = FakeTemplateStore()
    store.put("acme", "order-shipped", texts, State.APPROVED)
    raw = (EXAMPLES / "push-request-template.json").read_bytes()
    limits = Limits(262_144, frozenset({"acme"}), timedelta(minutes=5), AT)
    parsed = await parse_submission(raw, limits, Resolver(store), "acme")
    assert isinstance(parsed, PushRequest), parsed
    assert parsed.content.title == "訂單 A-17 已出貨"
    assert (
        parsed.content.variants["sms"].body == "【Acme】訂單 A-17 已出貨，預計 週五 送達。回T退訂"
    )
    assert json.loads(raw)["template"]["name"] == "order-shipped"
