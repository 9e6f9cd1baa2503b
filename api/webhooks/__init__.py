"""Webhook receivers: verify the raw body, store the delivery in the inbox, commit, then answer 2xx."""
