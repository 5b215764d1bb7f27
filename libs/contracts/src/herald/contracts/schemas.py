"""Write the JSON Schemas of the public models, for teams in other languages.

Run `make schemas`; the files are checked in under `schemas/`.
"""

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from herald.contracts.consent import ConsentChanged
from herald.contracts.dead_letter import DeadLetter
from herald.contracts.engagement import Engagement
from herald.contracts.push_request import PushRequest
from herald.contracts.recipient import Recipient
from herald.contracts.status import Status

PUBLIC_MODELS: dict[str, type[BaseModel]] = {
    "push-request.v1": PushRequest,
    "recipient.v1": Recipient,
    "engagement.v1": Engagement,
    "status.v1": Status,
    "dead-letter.v1": DeadLetter,
    "consent-changed.v1": ConsentChanged,
}


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in PUBLIC_MODELS.items():
        path = folder / f"{name}.schema.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "schemas")):
        sys.stdout.write(f"{p}\n")
