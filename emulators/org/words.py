"""Word lists for names and titles; titles are built so unrelated items rarely look alike."""

from __future__ import annotations

import random

__all__ = ["FIRST_NAMES", "LAST_NAMES", "NICKNAMES", "TEAM_NAMES", "TITLE_SPACE", "make_title", "near_duplicate"]

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Anders",
    "Aisha",
    "Bea",
    "Bruno",
    "Carmen",
    "Chen",
    "Dara",
    "Diego",
    "Elena",
    "Emeka",
    "Farah",
    "Felix",
    "Greta",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jonas",
    "Julia",
    "Kofi",
    "Lena",
    "Liam",
    "Maya",
    "Mateo",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Robert",
    "Sofia",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
    "Zane",
    "Katherine",
    "William",
    "Elizabeth",
    "Michael",
    "Alexander",
)
LAST_NAMES = (
    "Adams",
    "Baker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Novak",
    "Silva",
    "Murphy",
    "Kim",
    "Lopez",
    "Singh",
)
NICKNAMES = {
    "Robert": "Bob",
    "Katherine": "Kate",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Michael": "Mike",
    "Alexander": "Alex",
    "Julia": "Jules",
    "Rafael": "Rafa",
}
TEAM_NAMES = (
    ("Payments", "PAY"), ("Onboarding", "ONB"), ("Search", "SRCH"), ("Mobile", "MOB"), ("Platform", "PLAT"),
    ("Growth", "GRW"), ("Billing", "BILL"), ("Identity", "IDN"), ("Marketing Site", "WEB"), ("Data", "DATA"),
    ("Support Tools", "SUP"), ("Notifications", "NOTI"), ("Checkout", "CHK"), ("Reporting", "REP"),
    ("Partnerships", "PART"), ("Design System", "DSYS"), ("Infrastructure", "INFRA"), ("Analytics", "ANA"),
    ("Localisation", "L10N"), ("Security", "SEC"), ("Content", "CONT"), ("Integrations", "INT"),
    ("Customer Success", "CS"), ("Fraud", "FRD"),
)  # fmt: skip
_VERBS = (
    "Add", "Fix", "Refactor", "Remove", "Migrate", "Document", "Speed up", "Redesign", "Audit", "Localise",
    "Instrument", "Harden", "Deprecate", "Prototype", "Automate", "Split", "Cache", "Validate", "Backfill",
    "Throttle", "Archive", "Expose", "Simplify", "Translate", "Monitor",
)
_AREAS = (
    "invoice", "password reset", "checkout", "search", "onboarding", "webhook", "CSV import", "dark mode",
    "audit log", "currency", "push notification", "SSO", "rate limit", "pricing", "team invite", "refund",
    "session", "image upload", "dashboard", "address", "tax", "feature flag", "API", "bulk edit", "GDPR",
    "deep link", "release notes", "error budget", "trial", "coupon",
)
_THINGS = (
    "export", "email template", "button states", "ranking", "checklist", "retry queue", "parser", "palette",
    "viewer", "rounding rules", "opt-in screen", "login flow", "banner", "table", "modal", "workflow",
    "timeout handling", "cropper", "filters", "autocomplete", "calculation", "cleanup job", "pagination",
    "toolbar", "data export", "routing", "changelog", "alerts", "reminder", "engine",
)
_CONTEXTS = (
    "for enterprise accounts", "on Safari 17", "in the Android app", "behind the beta flag", "for EU customers",
    "after the schema change", "in the admin console", "for annual plans", "under heavy load", "on slow networks",
    "for right-to-left locales", "in the public API", "during checkout", "for guest users", "in the iOS widget",
    "before the Q3 launch", "with screen readers", "across time zones", "for the partner portal", "in staging",
    "when the cache is cold", "for invited members", "in weekly digests", "after a failed payment",
)  # fmt: skip
# A check component: any two title numbers differing in one component also differ here (31 > every list).
_TRAINS = (
    "Aurora", "Basalt", "Cobalt", "Dynamo", "Ember", "Fjord", "Granite", "Harbor", "Indigo", "Juniper",
    "Kestrel", "Lantern", "Meridian", "Nimbus", "Obsidian", "Pioneer", "Quartz", "Redwood", "Sapphire",
    "Tundra", "Umbra", "Vertex", "Willow", "Xenon", "Yukon", "Zephyr", "Alpine", "Beacon", "Cascade",
    "Delta", "Equinox",
)
TITLE_SPACE = len(_VERBS) * len(_AREAS) * len(_THINGS) * len(_CONTEXTS)


def make_title(number: int) -> str:
    """The title with this number; distinct numbers below TITLE_SPACE differ in at least two words."""
    number %= TITLE_SPACE
    number, verb = divmod(number, len(_VERBS))
    number, area = divmod(number, len(_AREAS))
    context, thing = divmod(number, len(_THINGS))
    train = _TRAINS[(verb + area + thing + context) % len(_TRAINS)]
    return f"[{train}] {_VERBS[verb]} {_AREAS[area]} {_THINGS[thing]} {_CONTEXTS[context]}"


def near_duplicate(title: str, rng: random.Random) -> str:
    """A title that normalises to the same words or differs by one short word (similarity >= 0.9)."""
    variant = rng.randrange(3)
    if variant == 0:
        return title.lower() + "!"
    if variant == 1:
        return title.upper() if len(title) < 40 else title.replace(" ", "  ", 1) + "."
    return title.replace(" for ", " for the ", 1) if " for " in title else title + " too"
