"""Channel errors with safe, secret-free messages."""


class PermanentDeliveryError(Exception):
    """Retrying will not help (bad address, channel not configured)."""


class DeviceGone(PermanentDeliveryError):
    """The push service says the token is no longer valid; the device was removed."""
