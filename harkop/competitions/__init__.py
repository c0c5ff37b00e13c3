"""Events, competitions, rubrics and eligibility rules."""
