"""What review reads of a template version: for each of its locales, a request whose
texts are the version's skeletons (`herald.contracts.placeholders.Template.skeleton`:
every placeholder shown as review's neutral `MARKER`), for every audience (`all`: a
template may be used for anyone), on the channels it is written for. A finding names
the text as intake does (`texts.default.body`, `texts.locales.zh-Hant.title`). Pure."""

from dataclasses import replace

from herald.contracts import Audience, Content, Media, PushRequest, Requester, Variant
from herald.contracts.placeholders import TemplateError, scan
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain.projection import MARKER
from herald.review.engine.findings import Finding


def _skeleton(text: str) -> str:
    try:
        return scan(text).skeleton(MARKER)
    except TemplateError:
        return text  # read as written; projection names it invalid


def skeleton_content(content: Content) -> Content:
    def maybe(text: str | None) -> str | None:
        return None if text is None else _skeleton(text)

    return content.model_copy(
        update={
            "title": _skeleton(content.title),
            "body": _skeleton(content.body),
            "url": maybe(content.url),
            "media": tuple(
                Media.model_validate(m.model_dump(mode="json") | {"url": _skeleton(str(m.url))})
                for m in content.media
            ),
            "variants": {
                channel: Variant(
                    title=maybe(v.title),
                    body=maybe(v.body),
                    subject=maybe(v.subject),
                    html=maybe(v.html),
                )
                for channel, v in content.variants.items()
            },
        }
    )


def requests_of(event: TemplateReviewRequested) -> list[tuple[str, PushRequest]]:
    """One request per locale, with the prefix its findings' fields get."""
    texts = event.texts
    contents = [("texts.default.", texts.default)] + [
        (f"texts.locales.{tag}.", c) for tag, c in sorted(texts.locales.items())
    ]
    s = event.submitter
    return [
        (
            prefix,
            PushRequest(
                request_id="template-review",
                tenant=event.tenant,
                requester=Requester(department=s.department[:128], user=s.user[:128]),
                goal=f"template {event.name}, version {event.version}",
                category=event.category,
                channels=event.channels,
                content=skeleton_content(content),
                audience=Audience(all=True),
            ),
        )
        for prefix, content in contents
    ]


def placed(finding: Finding, prefix: str) -> Finding:
    """The finding, named by the template's text it came from."""
    return replace(finding, field=prefix + finding.field.removeprefix("content."))
