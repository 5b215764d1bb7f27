"""The compliance engine: pure rules over every text a push carries. No I/O here.

`engine.Engine` runs every rule; `findings` holds what rules yield; `normalize` and
`terms` the evasion-proof term matcher; `rule_*` one module per rule. (The package
itself imports nothing, so that `policy` can use `findings.Severity` without a cycle.)
"""
