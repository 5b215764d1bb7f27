"""Recipients saying no: opt-out links, the preference centre, SMS replies (issue 19)."""
