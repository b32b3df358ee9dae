"""Delivery channels: email, in-app, push. Each exposes send(delivery) and raises
PermanentDeliveryError (give up) or any other exception (retry later)."""
