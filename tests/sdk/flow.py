"""Cloudflare's Python SDK (cloudflare 5.9.0), used only in the forms its
README and api.md show, against the emulator: a module Worker, a new version
and its deployment, a static site, listing, download and deletion, with every
live URL fetched. Run by emulator/tests/sdk_clients.rs, which passes the
emulator's address and a provisioned account in the environment."""

import base64
import hashlib
import os
import sys
import urllib.error
import urllib.request

import cloudflare
from cloudflare import Cloudflare

ACCOUNT = os.environ["CLOUDFLARE_ACCOUNT_ID"]
ORIGIN = os.environ["EMULATOR_ORIGIN"]
PORT = ORIGIN.rsplit(":", 1)[1]

client = Cloudflare(api_token=os.environ["CLOUDFLARE_API_TOKEN"], base_url=os.environ["CLOUDFLARE_BASE_URL"])


def live(script, subdomain, path="/"):
    """(status, content type, body) of the live Worker, addressed by Host."""
    req = urllib.request.Request(ORIGIN + path, headers={"Host": f"{script}.{subdomain}.localhost:{PORT}"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers.get("content-type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type"), e.read().decode()


def check(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")
    print(f"ok {what}")


def module(text):
    return f"export default {{ fetch(req, env) {{ return new Response(`{text} ${{env.GREETING}}`) }} }}".encode()


META = {"main_module": "index.js", "compatibility_date": "2025-06-01", "bindings": [{"type": "plain_text", "name": "GREETING", "text": "from python"}]}

subdomain = client.workers.subdomains.get(account_id=ACCOUNT).subdomain

# A module Worker, on workers.dev.
script = client.workers.scripts.update("py-hello", account_id=ACCOUNT, metadata=META, files=[("index.js", module("v1"), "application/javascript+module")])
check("update answers the script", script.id, "py-hello")
client.workers.scripts.subdomain.create("py-hello", account_id=ACCOUNT, enabled=True)
check("v1 is live", live("py-hello", subdomain)[::2], (200, "v1 from python"))

# A new version, then a deployment of it. 5.9.0's VersionCreateResponse and
# VersionGetResponse models cannot be built (their ResourcesBindings is not a
# pydantic model: any answer fails to parse), so those two answers are read
# as the README's raw-response form shows.
created = client.workers.scripts.versions.with_raw_response.create("py-hello", account_id=ACCOUNT, metadata=META, files=[("index.js", module("v2"), "application/javascript+module")])
version_id = created.json()["result"]["id"]
check("v1 still live before the deployment", live("py-hello", subdomain)[::2], (200, "v1 from python"))
deployment = client.workers.scripts.deployments.create("py-hello", account_id=ACCOUNT, strategy="percentage", versions=[{"percentage": 100, "version_id": version_id}])
check("the deployment routes the version", [v.version_id for v in deployment.versions], [version_id])
check("v2 is live", live("py-hello", subdomain)[::2], (200, "v2 from python"))
check("the versions list has the new version first", [v.id for v in client.workers.scripts.versions.list("py-hello", account_id=ACCOUNT)][0], version_id)
fetched = client.workers.scripts.versions.with_raw_response.get(version_id, account_id=ACCOUNT, script_name="py-hello")
check("a version by id", fetched.json()["result"]["id"], version_id)
check("download has the deployed module", "v2" in client.workers.scripts.get("py-hello", account_id=ACCOUNT), True)

# A static site: upload session, the missing files, then the script with its assets.
site = {"/index.html": b"<!doctype html><h1>py site</h1>", "/style.css": b"h1{color:teal}"}
manifest = {path: {"hash": hashlib.sha256(body).hexdigest()[:32], "size": len(body)} for path, body in site.items()}
by_hash = {manifest[p]["hash"]: body for p, body in site.items()}
session = client.workers.scripts.assets.upload.create("py-site", account_id=ACCOUNT, manifest=manifest)
uploader = client.with_options(api_token=session.jwt)
completion = session.jwt
for bucket in session.buckets:
    done = uploader.workers.assets.upload.create(account_id=ACCOUNT, base64=True, body={h: base64.b64encode(by_hash[h]).decode() for h in bucket})
    if done is not None and done.jwt:
        completion = done.jwt
client.workers.scripts.update("py-site", account_id=ACCOUNT, metadata={"assets": {"jwt": completion}, "compatibility_date": "2025-06-01"})
client.workers.scripts.subdomain.create("py-site", account_id=ACCOUNT, enabled=True)
check("the site's index", live("py-site", subdomain), (200, "text/html; charset=utf-8", "<!doctype html><h1>py site</h1>"))
check("the site's stylesheet", live("py-site", subdomain, "/style.css"), (200, "text/css; charset=utf-8", "h1{color:teal}"))

# Listing, an error the SDK parses, deletion.
check("list", sorted(s.id for s in client.workers.scripts.list(account_id=ACCOUNT)), ["py-hello", "py-site"])
try:
    client.workers.scripts.get("py-missing", account_id=ACCOUNT)
    sys.exit("a missing Worker was found")
except cloudflare.NotFoundError as e:
    check("a missing Worker is a NotFoundError with Cloudflare's code", e.errors[0].code, 10007)
for name in ("py-hello", "py-site"):
    client.workers.scripts.delete(name, account_id=ACCOUNT)
check("deleted Workers stop answering", live("py-hello", subdomain)[0], 404)
check("list after deletion", [s.id for s in client.workers.scripts.list(account_id=ACCOUNT)], [])
print("python sdk flow done")
