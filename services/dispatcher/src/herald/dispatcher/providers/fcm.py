"""Firebase Cloud Messaging, HTTP v1 API, with a service account's OAuth2 token.

The access token comes from the service account's signed JWT (RS256, grant type
jwt-bearer) and is cached until a minute before it expires. UNREGISTERED / 404 answers
mark the token dead.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.dispatcher.providers.http import Answer, answer, exchange
from herald.dispatcher.providers.push import each_token, fit, tokens

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
PLATFORMS = frozenset({"fcm", "android", "web"})


@dataclass(frozen=True, slots=True)
class FcmConfig:
    project_id: str
    client_email: str
    private_key: str
    token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    endpoint: str = "https://fcm.googleapis.com"


class AccessTokens:
    """OAuth2 access tokens for a service account, fetched once and cached."""

    def __init__(self, client: httpx.AsyncClient, cfg: FcmConfig) -> None:
        self._client, self._cfg = client, cfg
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    def assertion(self, now: int) -> str:
        claims = {
            "iss": self._cfg.client_email,
            "scope": SCOPE,
            "aud": self._cfg.token_uri,
            "iat": now,
            "exp": now + 3600,
        }
        return jwt.encode(claims, self._cfg.private_key, algorithm="RS256")

    async def get(self) -> str:
        async with self._lock:
            if self._token and self._token[1] - 60 > time.time():
                return self._token[0]
            now = int(time.time())
            grant = {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": self.assertion(now),
            }
            got = await exchange(self._client, "fcm", "POST", self._cfg.token_uri, data=grant)
            if isinstance(got, Attempt) or got.status != 200 or not got.field("access_token"):
                raise httpx.TransportError("oauth token endpoint refused or failed")
            ttl = got.field("expires_in")
            ttl_s = float(ttl) if isinstance(ttl, int | float) else 3600.0
            self._token = (str(got.field("access_token")), now + ttl_s)
            return self._token[0]

    def forget(self) -> None:
        self._token = None


def fcm_message(message: Message, token: str, body: str) -> dict[str, Any]:
    data = {"delivery_id": message.delivery_id, **({"url": message.url} if message.url else {})}
    out: dict[str, Any] = {
        "token": token,
        "notification": {"title": message.title, "body": body},
        "data": data,
    }
    if message.expires_at:
        out["android"] = {"ttl": f"{max(0, message.expires_at - int(time.time()))}s"}
    return {"message": out}


def is_dead(got: Answer) -> bool:
    if got.status == 404:
        return True
    error = got.field("error")
    if not isinstance(error, dict):
        return False
    details = error.get("details")
    found = details if isinstance(details, list) else []
    codes = {d.get("errorCode") for d in found if isinstance(d, dict)}
    return "UNREGISTERED" in codes or error.get("status") == "UNREGISTERED"


class FcmProvider(Provider):
    def __init__(self, client: httpx.AsyncClient, cfg: FcmConfig, name: str = "fcm") -> None:
        self.name, self._client, self._cfg = name, client, cfg
        self._tokens = AccessTokens(client, cfg)
        self._url = f"{cfg.endpoint}/v1/projects/{cfg.project_id}/messages:send"

    async def send(self, message: Message) -> Attempt:
        return await each_token(
            self.name, tokens(message, PLATFORMS), lambda t: self._one(message, t)
        )

    async def _one(self, message: Message, token: str) -> Attempt:
        payload = fit(lambda body: fcm_message(message, token, body), message.body)
        if payload is None:
            return Attempt(Result.PERMANENT, self.name, "payload over 4 KB")
        try:
            access = await self._tokens.get()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            return Attempt(Result.RETRYABLE, self.name, f"oauth token: {type(exc).__name__}")
        headers = {"authorization": f"Bearer {access}"}
        got = await exchange(
            self._client, self.name, "POST", self._url, need_body=False, json=payload,
            headers=headers,
        )  # fmt: skip
        if isinstance(got, Attempt):
            return got
        if got.status == 401:
            self._tokens.forget()
            return Attempt(Result.RETRYABLE, self.name, "HTTP 401 (token refreshed)")
        if is_dead(got):
            return Attempt(
                Result.PERMANENT,
                self.name,
                f"HTTP {got.status} UNREGISTERED",
                dead_contacts=(token,),
            )
        return answer(self.name, got)
