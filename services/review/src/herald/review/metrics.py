from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ReviewMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.decisions = Counter(
            "herald_review_decisions",
            "Review decisions, by outcome and who decided (rules/human/canceller/clock).",
            ["outcome", "by"],
            registry=registry,
        )
        self.reasons = Counter(
            "herald_review_decision_reasons",
            "Reason codes given with decisions (a decision counts once per distinct code).",
            ["outcome", "reason"],
            registry=registry,
        )
        self.rule_hits = Counter(
            "herald_review_rule_hits",
            "Rule findings, by rule, category (dictionary category for terms) and severity.",
            ["rule", "category", "severity"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "herald_review_queue_depth",
            "Requests waiting for a human, by tenant.",
            ["tenant"],
            registry=registry,
        )
        self.queue_age = Gauge(
            "herald_review_queue_oldest_age_seconds",
            "Age of the oldest request waiting for a human, by tenant.",
            ["tenant"],
            registry=registry,
        )
        self.time_to_decision = Histogram(
            "herald_review_time_to_decision_seconds",
            "From acceptance to a final decision, by who decided.",
            ["by"],
            buckets=(0.05, 0.25, 1, 5, 30, 120, 600, 1800, 3600, 4 * 3600, 24 * 3600, 72 * 3600),
            registry=registry,
        )
        self.standing_changes = Counter(
            "herald_review_standing_changes",
            "Standing changes published, by subject kind and new standing.",
            ["subject_kind", "standing"],
            registry=registry,
        )
        self.dictionary_terms = Gauge(
            "herald_review_dictionary_terms",
            "Sensitive terms in the current dictionaries.",
            registry=registry,
        )
        self.dictionary_reloads = Counter(
            "herald_review_dictionary_reloads",
            "Times the dictionaries were rebuilt after an operator changed them.",
            registry=registry,
        )
