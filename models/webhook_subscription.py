"""Webhooks Baton registered with a vendor, with their secrets encrypted at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.fields import big_fk, big_pk, utc_field, utc_now_field

__all__ = ["WebhookSubscription"]


class WebhookSubscription(SQLModel, table=True):
    """One registration: ``token`` tells Baton which subscription a delivery belongs to (Asana handshakes)."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (UniqueConstraint("connection_id", "token", name="uq_webhook_subscription_connection_token"),)

    id: int | None = big_pk()
    connection_id: int = big_fk("connection.id", index=False)
    token: str = Field(max_length=64, description="Random id in the callback URL's `sub` parameter.")
    external_id: str | None = Field(default=None, max_length=64, description="The vendor's webhook id.")
    resource: str | None = Field(default=None, max_length=64, description="Watched board / project / JQL.")
    callback_url: str = Field(max_length=1000)
    secret_encrypted: str | None = Field(default=None, description="Fernet token of the signing secret.")
    active: bool = True
    created_at: datetime = utc_now_field()
    expires_at: datetime | None = utc_field()
    last_delivery_at: datetime | None = utc_field()
