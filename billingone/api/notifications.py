"""/api/v1/me: notification preferences, push devices and the in-app feed (API.md)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from ninja import Router, Schema, Status
from pydantic import Field

from billingone.api.errors import ApiError
from billingone.api.pagination import paginate
from billingone.lib.text import parse_id
from billingone.notifications import flows
from billingone.notifications.devices import DeviceInputError
from billingone.notifications.keys import vapid_public_key
from billingone.notifications.models import Notification, PushDevice
from billingone.notifications.preferences import preference_rows, reference_role
from billingone.notifications.rendering import absolute_url

router = Router(tags=["notifications"])


class PreferenceRow(Schema):
    event: str = Field(max_length=64)
    email: bool
    in_app: bool
    push: bool


class PreferenceOut(PreferenceRow):
    label: str
    description: str
    locked: list[str]


class PreferencesIn(Schema):
    events: list[PreferenceRow] = Field(max_length=50)


class PreferencesOut(Schema):
    events: list[PreferenceOut]


class DeviceIn(Schema):
    platform: str = Field(max_length=10)
    token: str = Field(min_length=1, max_length=4000)
    name: str = Field(default="", max_length=100)
    # Web Push: the subscription's keys when `token` is just the endpoint URL.
    keys: dict[str, str] | None = None


class DeviceOut(Schema):
    id: str
    platform: str
    name: str
    created_at: str
    last_used_at: str | None


class DevicesOut(Schema):
    items: list[DeviceOut]
    vapid_public_key: str


class NotificationOut(Schema):
    id: str
    event: str
    title: str
    body: str
    path: str
    url: str | None
    organization: str | None
    created_at: str
    read: bool
    read_at: str | None


class FeedOut(Schema):
    items: list[NotificationOut]
    count: int
    next: str | None
    unread: int


class ReadOut(Schema):
    marked: int
    unread: int


class ReadIn(Schema):
    ids: list[str] | None = Field(default=None, max_length=500)
    all: bool = False


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _preferences(user) -> dict:
    return {"events": preference_rows(user, reference_role(user))}


@router.get("/me/notification-preferences", response=PreferencesOut, summary="Your notification preferences")
def get_preferences(request):
    return _preferences(request.user)


@router.put("/me/notification-preferences", response=PreferencesOut, summary="Change notification preferences")
def put_preferences(request, payload: PreferencesIn):
    try:
        flows.save_preferences(
            request.user, [row.dict() for row in payload.events], role=reference_role(request.user), request=request
        )
    except flows.PreferenceError as exc:
        raise ApiError(422, "invalid", str(exc), fields=exc.fields) from exc
    return _preferences(request.user)


def _device(device: PushDevice) -> dict:
    return {
        "id": str(device.pk),
        "platform": device.platform,
        "name": device.name,
        "created_at": _iso(device.created_at),
        "last_used_at": _iso(device.last_used_at),
    }


@router.get("/me/push-devices", response=DevicesOut, summary="Your registered push devices")
def list_devices(request):
    devices = PushDevice.objects.filter(user=request.user)
    return {
        "items": [_device(d) for d in devices],
        "vapid_public_key": vapid_public_key(settings.WEBPUSH_VAPID_PRIVATE_KEY),
    }


@router.post("/me/push-devices", response={201: DeviceOut}, summary="Register an APNs token or Web Push subscription")
def register_device(request, payload: DeviceIn):
    try:
        device = flows.register_device(
            request.user,
            platform=payload.platform,
            token=payload.token,
            name=payload.name,
            keys=payload.keys,
            request=request,
        )
    except DeviceInputError as exc:
        raise ApiError(422, "invalid", str(exc), fields={exc.field: [str(exc)]}) from exc
    return Status(201, _device(device))


@router.delete("/me/push-devices/{device_id}", response={204: None}, summary="Remove a push device")
def delete_device(request, device_id: str):
    if not flows.remove_device(request.user, device_id, request=request):
        raise ApiError(404, "not_found", "No such device.")
    return Status(204, None)


def _item(item: Notification) -> dict:
    return {
        "id": str(item.pk),
        "event": item.event,
        "title": item.title,
        "body": item.body,
        "path": item.url,
        "url": absolute_url(item.url) if item.url else None,
        "organization": item.organization.slug if item.organization else None,
        "created_at": _iso(item.created_at),
        "read": item.read_at is not None,
        "read_at": _iso(item.read_at),
    }


@router.get("/me/notifications", response=FeedOut, summary="The in-app feed, newest first, with the unread count")
def list_notifications(request, cursor: str | None = None, limit: int | None = None, unread: bool = False):
    items = flows.feed(request.user).select_related("organization")
    if unread:
        items = items.filter(read_at__isnull=True)
    page = paginate(items.order_by("-created_at", "-id"), cursor=cursor, limit=limit, serialize=_item)
    return {**page, "unread": flows.unread_count(request.user)}


@router.post("/me/notifications/read", response=ReadOut, summary="Mark items read: {ids: [...]} or {all: true}")
def read_notifications(request, payload: ReadIn):
    if not payload.all and not payload.ids:
        raise ApiError(422, "invalid", "Send ids or all: true.", fields={"ids": ["Give ids, or all: true."]})
    ids = {parse_id(i) for i in payload.ids or []}
    if None in ids:
        raise ApiError(422, "invalid", "Unknown notification ids.", fields={"ids": ["Not notification ids."]})
    mine = flows.feed(request.user).filter(Q(pk__in=ids))
    if ids and not payload.all and mine.count() != len(ids):
        raise ApiError(404, "not_found", "Some notifications were not found.")
    marked = flows.mark_read(request.user, ids=payload.ids, everything=payload.all)
    return {"marked": marked, "unread": flows.unread_count(request.user)}
