"""Which providers serve a tenant's channel, in failover order: the operator's providers
file (`config`, with the Chinese vendors' specs in `vendor_config` and what every spec
builds on in `spec_base`), building each provider from its spec (`builders`,
`vendor_builders`), and the routes with their gates per tenant and channel (`registry`)."""
