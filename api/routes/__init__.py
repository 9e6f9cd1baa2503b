"""One router per question a reader asks."""
