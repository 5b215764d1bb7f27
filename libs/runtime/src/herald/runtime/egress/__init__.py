"""Calling URLs that someone else chose (a tenant's webhook or callback receiver), safely.

- `addresses`: which addresses such a URL may reach (no loopback, private, link-local or
  metadata ranges, in any spelling), and the check of a URL before a call;
- `transport`: an httpx client whose connections go only to the addresses it vetted
  (DNS rebinding cannot slip past the check), with no proxies and no redirects;
- `capped`: reading an answer with a byte cap, compressed or not.

The dispatcher's webhooks and intake's status callbacks both use it.
"""
