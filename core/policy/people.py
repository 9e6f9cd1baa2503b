"""People: one person's accounts across the tools, and the bots whose activity does not count."""

from __future__ import annotations

from pydantic import Field

from core.policy.base import Name, PolicyModel, Text

__all__ = ["Bots", "Person"]


class Person(PolicyModel):
    """A person known by several e-mails or accounts; Baton unifies people by e-mail, these are the manual aliases."""

    name: Name = Field(description="How reports name the person; unique.")
    emails: list[Text] = Field(default_factory=list, description="Every e-mail address the person uses in the tools.")
    accounts: dict[Name, Text] = Field(
        default_factory=dict, description="Account id per connection name, e.g. {jira: '5b10a2844c20165700ede21g'}."
    )


class Bots(PolicyModel):
    """Accounts whose changes are not activity (automations, integrations, Baton's own write-back)."""

    emails: list[Text] = Field(default_factory=list, description="E-mail addresses of bot accounts.")
    names: list[Text] = Field(
        default_factory=list, description="Display names of bot accounts, e.g. Automation for Jira."
    )
    accounts: dict[Name, list[Text]] = Field(default_factory=dict, description="Bot account ids per connection name.")
