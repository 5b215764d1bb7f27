"""herald_review_* metrics (the README's metrics table)."""

from prometheus_client import CollectorRegistry

from herald.runtime.metrics import Metrics

DECISION_BUCKETS = (0.05, 0.25, 1, 5, 30, 120, 600, 1800, 3600, 4 * 3600, 24 * 3600, 72 * 3600)


class ReviewMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        m = Metrics(registry, "herald_review")
        # deliberate declaration: one call per documented metric (the README's metrics table)
        self.decisions = m.counter(
            "decisions",
            "Review decisions, by outcome and who decided (rules/human/canceller/clock).",
            "outcome",
            "by",
        )
        self.reasons = m.counter(
            "decision_reasons",
            "Reason codes given with decisions (a decision counts once per distinct code).",
            "outcome",
            "reason",
        )
        self.rule_hits = m.counter(
            "rule_hits",
            "Rule findings, by rule, category (dictionary category for terms) and severity.",
            "rule",
            "category",
            "severity",
        )
        self.queue_depth = m.gauge(
            "queue_depth", "Requests waiting for a human, by tenant.", "tenant"
        )
        self.queue_age = m.gauge(
            "queue_oldest_age_seconds",
            "Age of the oldest request waiting for a human, by tenant.",
            "tenant",
        )
        self.time_to_decision = m.histogram(
            "time_to_decision_seconds",
            "From acceptance to a final decision, by who decided.",
            "by",
            buckets=DECISION_BUCKETS,
        )
        self.standing_changes = m.counter(
            "standing_changes",
            "Standing changes published, by subject kind and new standing.",
            "subject_kind",
            "standing",
        )
        self.dictionary_terms = m.gauge(
            "dictionary_terms", "Sensitive terms in the current dictionaries."
        )
        self.dictionary_reloads = m.counter(
            "dictionary_reloads",
            "Times the dictionaries were rebuilt after an operator changed them.",
        )
