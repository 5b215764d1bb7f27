"""The deployment's record keys (`RECORD_KEYS`): what signs and verifies Kafka records."""

MIN_SECRET_CHARS = 32


def parse_record_keys(spec: str) -> dict[str, bytes]:
    """`kid1:secret1,kid2:secret2` -> {kid: secret}, in order: the first signs, all verify.

    Every secret has at least MIN_SECRET_CHARS characters (a short one could be guessed
    offline from any signed record); the message names the key id, never the secret."""
    keys: dict[str, bytes] = {}
    for n, part in enumerate(spec.split(","), start=1):
        kid, sep, secret = part.strip().partition(":")
        if not sep or not kid or not secret:
            raise ValueError(f"RECORD_KEYS entry {n} is not kid:secret (write kid:secret[,...])")
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                f"RECORD_KEYS key '{kid}' is {len(secret)} characters; "
                f"at least {MIN_SECRET_CHARS} are required"
            )
        if kid in keys:
            raise ValueError(f"RECORD_KEYS names key '{kid}' twice")
        keys[kid] = secret.encode()
    return keys
