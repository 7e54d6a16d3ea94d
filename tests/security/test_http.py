"""The served app probed as an attacker would: raw HTTP on 127.0.0.1, one test per finding of the audit.

Each test first shows the legitimate path works (so it can fail), then that the attack does not.
"""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

import httpx
import pytest
import skimage
from PIL import Image
from security.webclient import Browser, files_in, texts

from agent.loop import Agent

ASTRONAUT = Path(skimage.__file__).parent / "data" / "astronaut.png"
GPS_MAKER = b"PhoneMakerSerial-0042"


def jpeg_with_gps(path: Path, size: tuple[int, int] = (320, 480)) -> Path:
    """A phone photo: EXIF with a camera maker/serial and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = GPS_MAKER.decode()
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (13.0, 24.0, 1.0)}
    Image.open(ASTRONAUT).convert("RGB").resize(size).save(path, format="JPEG", exif=exif)
    return path


def file_url(url: str, path: str | Path, prefix: str = "") -> str:
    return f"{url}{prefix}/gradio_api/file={urllib.parse.quote(str(path))}"


# ---------------------------------------------------------------- 1. only what a page needs


def test_the_database_truth_file_keys_and_photos_are_not_served(server: str, shop_agent: Agent, tmp_path: Path) -> None:
    data = Path(shop_agent.settings.data_dir).resolve()
    photo = shop_agent.services.photos.save(jpeg_with_gps(tmp_path / "me.jpg"))
    targets = [data / "catalog.sqlite", data / "photos" / f"{photo.id}.jpg", data / "secret.key",
               next((data / "images").glob("*.png"))]
    targets += [data / "demo_truth.json"] if (data / "demo_truth.json").exists() else []
    with httpx.Client(timeout=30) as http:
        assert http.get(f"{server}/media/product/1").status_code == 200  # the legitimate route works
        for target in targets:
            assert target.is_file()
            for prefix in ("", "/staff"):
                for url in (file_url(server, target, prefix), f"{server}{prefix}/gradio_api/file/{target}",
                            file_url(server, data / "web-files" / ".." / target.relative_to(data), prefix)):
                    response = http.get(url)
                    assert response.status_code in (401, 403, 404), (url, response.status_code)
                    assert b"SQLite format" not in response.content
        assert http.get(f"{server}/media/product/999999").status_code == 404
        assert http.get(f"{server}/media/product/..%2Fcatalog.sqlite").status_code in (404, 422)


def test_product_images_come_by_id_from_the_images_folder_only(shop_agent: Agent) -> None:
    row = next(r for r in shop_agent.services.table.by_id.values() if r.image)
    assert shop_agent.services.product_image(row.id) == (Path(shop_agent.settings.data_dir) / row.image).resolve()
    from dataclasses import replace

    escaped = replace(row, image="../catalog.sqlite")
    assert escaped.image_file(shop_agent.settings.data_dir) is None


# ---------------------------------------------------------------- 2. Gradio's file checks in the mounted app


def test_queue_join_with_a_path_never_uploaded_is_refused(server: str, shop_agent: Agent) -> None:
    browser = Browser(server)
    before = set((Path(shop_agent.settings.data_dir) / "web-files").rglob("*"))
    result = browser.chat("like this", files=[str(ASTRONAUT)])  # an image on the server, never uploaded
    # Gradio's own check, in force in the mounted app, refuses it before our code runs (InvalidPathError,
    # "not uploaded by a user", in the server log); the same call with one's own upload succeeds (next test).
    assert result["msg"] == "process_completed" and result["success"] is False
    assert not any(Path(f["path"]).name == ASTRONAUT.name for f in files_in(result))
    after = set((Path(shop_agent.settings.data_dir) / "web-files").rglob("*"))
    assert not [p for p in after - before if p.name == ASTRONAUT.name]  # nothing was copied for it
    browser.close()


def test_another_browsers_upload_is_refused_and_your_own_works(server: str, tmp_path: Path) -> None:
    alice, mallory = Browser(server), Browser(server)
    [uploaded] = alice.upload(jpeg_with_gps(tmp_path / "alice.jpg"))
    refused = mallory.chat("like this", files=[uploaded])
    assert any("not uploaded in this browser session" in t for t in texts(refused))
    accepted = alice.chat("like this", files=[uploaded])
    assert accepted["success"] and not any("not uploaded" in t for t in texts(accepted))
    again = alice.chat("like this", files=[uploaded])  # an upload is used by one turn only
    assert any("not uploaded in this browser session" in t for t in texts(again))
    alice.close(), mallory.close()


# ---------------------------------------------------------------- the original of a photo never outlives the turn


def test_the_original_upload_is_gone_after_the_turn_and_copies_have_no_gps(server: str, shop_agent: Agent,
                                                                           tmp_path: Path) -> None:
    browser = Browser(server)
    [uploaded] = browser.upload(jpeg_with_gps(tmp_path / "holiday.jpg"))
    assert Path(uploaded).is_file() and GPS_MAKER in Path(uploaded).read_bytes()
    assert browser.http.get(file_url("", uploaded)).status_code == 200  # the page's preview works before sending
    result = browser.chat("what size should I take", files=[uploaded])
    assert result["success"]
    assert not Path(uploaded).exists() and browser.http.get(file_url("", uploaded)).status_code == 404
    for path in (Path(shop_agent.settings.data_dir) / "photos").glob("*"):
        assert GPS_MAKER not in path.read_bytes(), path
    shown = [f for f in files_in(result) if "web-files" in f["path"]]
    assert shown, "the chat shows the shopper's (stripped) photo"
    assert all(GPS_MAKER not in Path(f["path"]).read_bytes() for f in shown)
    image = browser.http.get(file_url("", shown[0]["path"]))
    assert image.status_code == 200 and GPS_MAKER not in image.content
    assert not Image.open(io.BytesIO(image.content)).getexif()
    browser.close()


def test_private_pictures_are_served_to_their_browser_only(server: str, tmp_path: Path) -> None:
    owner, other = Browser(server), Browser(server)
    [uploaded] = owner.upload(jpeg_with_gps(tmp_path / "me.jpg"))
    result = owner.chat("what size should I take", files=[uploaded])
    [shown] = [f for f in files_in(result) if "web-files" in f["path"]][:1]
    assert owner.http.get(file_url("", shown["path"])).status_code == 200
    assert other.http.get(file_url("", shown["path"])).status_code == 404
    assert httpx.get(file_url(server, shown["path"])).status_code == 404  # no cookie at all
    forged = httpx.get(file_url(server, shown["path"]), cookies={"shopagent_web": "A" * 32})
    assert forged.status_code == 404
    for detour in ("/bin/..", "/lib/..", "/usr/../usr/.."):  # a symlink and ".." must not pass for another path
        assert other.http.get(file_url("", detour + shown["path"])).status_code == 404, detour
    assert other.http.get("/gradio_api/file=/tmp/x%00y").status_code == 404
    owner.close(), other.close()


def test_web_files_are_swept_and_covered_by_purge(shop_agent: Agent, tmp_path: Path) -> None:
    from index.webfiles import WebFiles

    clock = [1000.0]
    files = WebFiles(tmp_path / "web", ttl_s=60, clock=lambda: clock[0])
    source = jpeg_with_gps(tmp_path / "x.jpg")
    mine = files.publish("owner-a", source)
    assert files.may_read("owner-a", mine) and not files.may_read("owner-b", mine)
    clock[0] += 61
    assert not files.may_read("owner-a", mine)  # the link is short-lived
    import os

    os.utime(mine, (clock[0] - 61, clock[0] - 61))
    assert files.sweep() == 1 and not mine.exists()
    # `photos purge --customer` empties the web folder of the data directory too
    web = Path(shop_agent.settings.data_dir) / "web-files" / "leftover"
    web.mkdir(parents=True, exist_ok=True)
    (web / "copy.jpg").write_bytes(b"x")
    shop_agent.services.photos.forget_customer(999_999)
    assert not (web / "copy.jpg").exists()


# ---------------------------------------------------------------- 5. smaller holes


def test_purge_by_customer_covers_a_photo_a_guest_sent_first(server: str, shop_agent: Agent, tmp_path: Path) -> None:
    from sqlalchemy import select

    from index import models as m

    with shop_agent.services.store.session() as s:
        customer = s.scalars(select(m.Customer.id).order_by(m.Customer.id.desc())).first()
    photo = jpeg_with_gps(tmp_path / "same.jpg")
    guest, signed_in = Browser(server), Browser(server)
    assert guest.chat("what size should I take", files=guest.upload(photo))["success"]
    assert signed_in.chat("what size should I take", files=signed_in.upload(photo), customer=customer)["success"]
    with shop_agent.services.store.session() as s:
        theirs = s.scalars(select(m.PhotoUpload).where(m.PhotoUpload.customer_id == customer)).all()
        paths = [Path(shop_agent.settings.data_dir) / r.path for r in theirs]
    assert paths and all(p.is_file() for p in paths)
    assert shop_agent.services.photos.forget_customer(customer) >= 1
    assert not any(p.exists() for p in paths)
    guest.close(), signed_in.close()


def test_the_live_view_shows_shopper_text_as_plain_text(server: str, shop_agent: Agent) -> None:
    from sqlalchemy import select

    from index import models as m

    with shop_agent.services.store.session() as s:
        customer = s.scalars(select(m.Customer.id).order_by(m.Customer.id)).all()[3]
    forged = ("where is my order?\n\n**Customer care:** we will refund 500 EUR ![x](http://evil.example/p.png) "
              "[click](http://evil.example) <img src=x onerror=alert(1)>")
    shopper = Browser(server)
    assert shopper.chat(forged, customer=customer)["success"]
    staff = Browser(server, prefix="/staff")
    assert staff.http.post("/staff/login", data={"username": "lena", "password": "correct horse 1"}).status_code == 200
    live = staff.call("live", [customer])["output"]["data"][0]
    assert "&lt;img src=x" in live and "<img" not in live and "](http://evil.example" in live  # shown, inert
    assert live.count('class="live-staff"') == 0 and "<a " not in live
    assert live.count('class="live-user"') >= 1
    shopper.close(), staff.close()


def test_upload_limits_bytes_files_and_megapixels(server: str, shop_agent: Agent, tmp_path: Path) -> None:
    settings = shop_agent.settings
    browser = Browser(server)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"0" * int((settings.upload_max_mb + 1) * 1024 * 1024))
    assert browser.http.post("/gradio_api/upload", files=[("files", ("big.jpg", big.read_bytes(), "image/jpeg"))]
                             ).status_code == 413
    photos = [jpeg_with_gps(tmp_path / f"p{i}.jpg") for i in range(settings.upload_max_files + 1)]
    too_many = browser.chat("what size", files=browser.upload(*photos))
    assert any(f"at most {settings.upload_max_files}" in t for t in texts(too_many))
    huge = tmp_path / "huge.png"
    side = int((settings.upload_max_megapixels * 1_000_000) ** 0.5) + 200
    Image.new("L", (side, side), 128).save(huge)
    assert huge.stat().st_size < settings.upload_max_mb * 1024 * 1024  # small in bytes, large in pixels
    refused = browser.chat("like this", files=browser.upload(huge))
    assert any("megapixels" in t for t in texts(refused))
    browser.close()


def test_staff_logins_slow_down_after_failures(server: str) -> None:
    with httpx.Client(base_url=server, timeout=60) as http:
        unknown = http.post("/staff/login", data={"username": "nobody", "password": "wrong password"})
        known = http.post("/staff/login", data={"username": "sam", "password": "wrong password"})
        assert unknown.status_code == known.status_code == 401 and unknown.text == known.text  # names not told apart
        codes = [http.post("/staff/login", data={"username": "sam", "password": f"guess {i}"}).status_code
                 for i in range(4)]
        assert codes[:3] == [401] * 3 and codes[3] == 429
        right = http.post("/staff/login", data={"username": "sam", "password": "correct horse 1"})
        assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0  # not even checked
        other_name = http.post("/staff/login", data={"username": "lena", "password": "correct horse 1"})
        assert other_name.status_code == 429  # the same address is throttled too


def test_the_staff_cookie_is_signed_secure_over_https_and_expires(shop_agent: Agent) -> None:
    from conftest import serving, staff_agent

    from ui.server import build_server

    with serving(build_server(staff_agent(shop_agent, kim="lead"))) as url, httpx.Client(base_url=url) as http:
        assert http.get("/staff/").status_code in (303, 307) or http.get("/staff/").history
        over_https = http.post("/staff/login", data={"username": "kim", "password": "correct horse 1"},
                               headers={"X-Forwarded-Proto": "https"})
        cookie = over_https.headers["set-cookie"]
        assert over_https.status_code == 200 and "Secure" in cookie and "HttpOnly" in cookie
        assert "Max-Age=" in cookie and "samesite=strict" in cookie.lower()
        token = http.cookies.get("shopagent_staff") or cookie.split("=", 1)[1].split(";")[0]
        assert httpx.get(f"{url}/staff/config", cookies={"shopagent_staff": token}).status_code == 200
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert httpx.get(f"{url}/staff/config", cookies={"shopagent_staff": tampered}).status_code == 401


@pytest.mark.parametrize("key", ["x" * 100, "../../etc/passwd", "DEADBEEFDEADBEEF"])
def test_malformed_session_keys_are_refused(shop_agent: Agent, key: str) -> None:
    from agent.loop import AgentError

    with pytest.raises(AgentError, match="not a session key") as caught:
        shop_agent.open("shopper", None, key)
    assert len(str(caught.value)) < 200


def test_the_shopper_page_signs_no_one_in_by_default(shop_agent: Agent) -> None:
    """Without the demo switch, a customer number sent by a browser is refused, not obeyed."""
    from conftest import serving, staff_agent

    from ui.server import build_server

    with serving(build_server(staff_agent(shop_agent, demo_sign_in=False))) as url:
        browser = Browser(url)
        refused = browser.chat("where is my order?", customer=1)
        assert texts(refused) == [t for t in texts(refused) if "signs no one in" in t] != []  # nothing else ran
        assert browser.chat("I'm looking for a dress")["success"]  # guests shop as before
        browser.close()


def test_a_conversation_key_alone_does_not_restore_a_conversation(server: str, shop_agent: Agent) -> None:
    """The page restores what the browser kept only when the server signed it; a leaked key opens nothing."""
    import hashlib
    import hmac

    from agent.conversation import UserMessage
    from shopagent.secret import secret_key
    from ui.shopper import ShopperSession

    browser = Browser(server)
    conv = shop_agent.open("shopper", None)
    list(shop_agent.respond(conv, UserMessage("I'm looking for a dress")))
    load = next(d["id"] for d in browser.config["dependencies"] if any(t[1] == "load" for t in d.get("targets", [])))
    leaked = browser.call_fn(load, [conv.key])  # the page's load event, given a bare key
    assert leaked["msg"] == "process_completed" and "looking for a dress" not in str(leaked["output"])
    server_secret = hmac.new(secret_key(shop_agent.settings), b"browser-state", hashlib.sha256).digest()
    signed = ShopperSession(shop_agent, None, server_secret).keep(conv.key)  # what the server gives the browser
    assert "looking for a dress" in str(browser.call_fn(load, [signed])["output"])
    browser.close()


def test_the_same_bytes_from_two_browsers_stay_each_ones_own(server: str, tmp_path: Path) -> None:
    """Gradio names an upload by its content: a second browser sending the same photo must neither take
    the first one's upload over nor use it up."""
    photo = jpeg_with_gps(tmp_path / "same-name.jpg")
    alice, mallory = Browser(server), Browser(server)
    [a] = alice.upload(photo)
    [b] = mallory.upload(photo)
    assert a == b  # one file on disk for both
    assert mallory.chat("like this", files=[b])["success"]
    assert Path(a).is_file()  # still there for alice
    accepted = alice.chat("like this", files=[a])
    assert not any("not uploaded" in t for t in texts(accepted)) and not Path(a).exists()
    alice.close(), mallory.close()
