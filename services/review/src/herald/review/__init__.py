"""Review: compliance rules, the human approval step and the strike ladder."""
