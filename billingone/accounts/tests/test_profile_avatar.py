"""Profile section: name, read-only email, avatar upload/removal (web and API), password link."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from billingone.audit.models import AuditEvent
from billingone.orgs.roles import ROLES_BY_POWER

URL = "/org-a/settings/profile/"


def png(size=(600, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def file(data: bytes, name: str = "me.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_outsider_gets_404(personas, client_for):
    client = client_for(personas.charlie)
    assert client.get(URL).status_code == 404
    assert client.post(URL + "avatar/", {"avatar": file(png())}).status_code == 404
    assert client.post(URL + "avatar/remove/").status_code == 404


@pytest.mark.parametrize("role", ROLES_BY_POWER)
def test_every_role_manages_its_own_profile(personas, client_for, role):
    # "insufficient role → 403" cannot happen here: account.manage belongs to every role.
    response = client_for(personas.member(role)).get(URL)
    assert response.status_code == 200
    assert personas.member(role).email in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_name_change_is_saved_and_audited(personas, client_for):
    client = client_for(personas.bob)
    response = client.post(URL, {"name": "Robert Viewer", "email": "evil@x.test"})
    assert response.status_code == 302
    personas.bob.refresh_from_db()
    assert personas.bob.name == "Robert Viewer"
    assert personas.bob.email == "bob@org-a.test"  # email is not a profile field
    assert AuditEvent.objects.filter(action="user.profile_update", actor=personas.bob).exists()


def test_email_is_shown_read_only_with_change_link(personas, client_for):
    html = client_for(personas.bob).get(URL).content.decode()
    assert 'value="bob@org-a.test" readonly' in html
    assert "/accounts/email/" in html and "/accounts/password/change/" in html


def test_avatar_upload_is_reencoded_and_replaces_the_old_one(personas, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(personas.bob)
    assert client.post(URL + "avatar/", {"avatar": file(png())}).status_code == 302
    personas.bob.refresh_from_db()
    first = personas.bob.avatar.name
    assert first.startswith(f"avatars/{personas.bob.pk}/") and first.endswith(".png")
    with personas.bob.avatar.open() as stored:
        assert Image.open(stored).size == (256, 256)

    client.post(URL + "avatar/", {"avatar": file(png((100, 100)))})
    personas.bob.refresh_from_db()
    assert personas.bob.avatar.name != first
    assert AuditEvent.objects.filter(action="user.avatar_update", actor=personas.bob).count() == 2

    assert client.post(URL + "avatar/remove/").status_code == 302
    personas.bob.refresh_from_db()
    assert not personas.bob.avatar
    assert AuditEvent.objects.filter(action="user.avatar_remove").count() == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (file(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg", "image/svg+xml"), "SVG images are not accepted"),
        (file(b"\x89PNG\r\n\x1a\ncorrupt!!", "a.png"), "was refused"),
        (file(b"\x89PNG" + b"\x00" * (1024 * 1024 + 10), "big.png"), "too large"),
        (file(b"GIF89a\x01\x00\x01\x00", "a.gif", "image/gif"), "not a PNG, JPEG or WebP"),
    ],
)
def test_bad_avatar_is_refused_with_a_message_and_nothing_changes(personas, client_for, upload, message):
    client = client_for(personas.bob)
    response = client.post(URL + "avatar/", {"avatar": upload})
    assert response.status_code == 422
    assert message in response.content.decode()
    personas.bob.refresh_from_db()
    assert not personas.bob.avatar


def test_avatar_get_is_not_allowed(personas, client_for):
    assert client_for(personas.bob).get(URL + "avatar/").status_code == 405


def test_csrf_is_enforced(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.bob, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(URL, {"name": "x"}).status_code == 403
