"""An emulated ODK Collect: requests made as the OpenRosa specifications and Collect's
documentation describe them, against Django's test client.

- Every request carries ``X-OpenRosa-Version: 1.0`` and a ``Date``; the first goes without
  credentials and, on ``401`` with a ``WWW-Authenticate: Basic`` challenge, is sent again with them
  (Collect then keeps sending them: preemptive for the rest of the session).
- ``form_list`` reads the OpenRosa ``xformsList``; ``download`` checks the served XML against the
  listed ``md5:`` hash; ``manifest`` reads the ``xformsManifest`` when the list names one.
- ``fill`` makes an instance as Collect writes it: the primary instance of the downloaded XForm,
  ``jr:template`` units dropped, one element per repeat unit, calculates with a literal value
  evaluated, ``meta/instanceID`` a new ``uuid:``, and for an edit ``meta/deprecatedID``.
- ``submit`` asks ``HEAD submission`` (expects 204 with ``X-OpenRosa-Accept-Content-Length``), then
  POSTs ``multipart/form-data`` with ``xml_submission_file`` and one part per attachment named by
  its file name.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
LIST = "http://openrosa.org/xforms/xformsList"
MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"


@dataclass(frozen=True)
class ListedForm:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str
    manifest_url: str


class EmulatedCollect:
    def __init__(self, server_url: str, username: str, password: str, client: Client | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.username = username
        self.password = password
        self.client = client or Client()
        self.authenticated = False
        self.log: list[tuple[str, str, int]] = []

    # --- HTTP -----------------------------------------------------------------------------------

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _headers(self, with_auth: bool) -> dict[str, str]:
        headers = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)}
        if with_auth:
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers

    def request(self, method: str, url: str, **kwargs: object) -> HttpResponse:
        send = getattr(self.client, method.lower())
        response: HttpResponse = send(self._path(url), headers=self._headers(self.authenticated), **kwargs)
        if response.status_code == 401 and not self.authenticated:
            assert response["WWW-Authenticate"].startswith("Basic ")
            self.authenticated = True
            response = send(self._path(url), headers=self._headers(True), **kwargs)
        self.log.append((method, self._path(url), response.status_code))
        assert response["X-OpenRosa-Version"] == "1.0"
        return response

    # --- forms ----------------------------------------------------------------------------------

    def form_list(self) -> list[ListedForm]:
        response = self.request("GET", f"{self.server_url}/formList")
        assert response.status_code == 200, response.content
        root = ET.fromstring(response.content)
        assert root.tag == f"{{{LIST}}}xforms"
        forms = []
        for item in root.findall(f"{{{LIST}}}xform"):

            def text(name: str, item: ET.Element = item) -> str:
                found = item.find(f"{{{LIST}}}{name}")
                return (found.text or "") if found is not None else ""

            forms.append(
                ListedForm(
                    form_id=text("formID"),
                    name=text("name"),
                    version=text("version"),
                    hash=text("hash"),
                    download_url=text("downloadUrl"),
                    manifest_url=text("manifestUrl"),
                )
            )
        return forms

    def download(self, form: ListedForm) -> bytes:
        response = self.request("GET", form.download_url)
        assert response.status_code == 200, response.content
        assert form.hash == "md5:" + hashlib.md5(response.content).hexdigest()
        return response.content

    def manifest(self, url: str) -> list[str]:
        response = self.request("GET", url)
        assert response.status_code == 200, response.content
        root = ET.fromstring(response.content)
        assert root.tag == f"{{{MANIFEST}}}manifest"
        return [
            (m.findtext(f"{{{MANIFEST}}}filename") or "") for m in root.findall(f"{{{MANIFEST}}}mediaFile")
        ]

    # --- filling in -----------------------------------------------------------------------------

    @staticmethod
    def fill(
        xform: bytes,
        answers: Mapping[tuple[str, int], str],
        *,
        instance_id: str | None = None,
        deprecated_id: str = "",
    ) -> tuple[str, bytes]:
        """The instance Collect would write for ``answers`` keyed (question, repeat unit)."""
        root = ET.fromstring(xform)
        model = root.find(f"{{{H}}}head/{{{XF}}}model")
        assert model is not None
        primary = model.find(f"{{{XF}}}instance")
        assert primary is not None
        data = copy.deepcopy(next(iter(primary)))
        calculated = {}
        for bind in model.findall(f"{{{XF}}}bind"):
            value = bind.get("calculate", "")
            if value.startswith("'") and value.endswith("'"):
                calculated[bind.get("nodeset", "").rsplit("/", 1)[-1]] = value[1:-1]
        # Repeats: drop the template and the default unit, then add one unit per answered index.
        templates = {}
        for parent in data.iter():
            for child in list(parent):
                if child.get(f"{{{JR}}}template") is not None:
                    templates[child.tag] = (parent, list(parent).index(child), copy.deepcopy(child))
        for tag, (parent, _position, _template) in templates.items():
            for child in [c for c in parent if c.tag == tag]:
                parent.remove(child)
        for parent, position, template in templates.values():
            del template.attrib[f"{{{JR}}}template"]
            units = sorted(
                {i for (name, i) in answers if i > 0 and template.find(f".//{{{XF}}}{name}") is not None}
            )
            for offset, index in enumerate(units):
                unit = copy.deepcopy(template)
                for leaf in unit.iter():
                    local = leaf.tag.rsplit("}", 1)[-1]
                    if (local, index) in answers:
                        leaf.text = answers[(local, index)]
                parent.insert(position + offset, unit)
        repeat_tags = set(templates)

        def set_top(element: ET.Element) -> None:
            for child in element:
                if child.tag in repeat_tags:
                    continue
                local = child.tag.rsplit("}", 1)[-1]
                if len(child):
                    set_top(child)
                elif (local, 0) in answers:
                    child.text = answers[(local, 0)]
                elif local in calculated:
                    child.text = calculated[local]

        set_top(data)
        instance_id = instance_id or f"uuid:{uuid.uuid4()}"
        meta = data.find(f"{{{XF}}}meta")
        assert meta is not None
        id_element = meta.find(f"{{{XF}}}instanceID")
        assert id_element is not None
        id_element.text = instance_id
        if deprecated_id:
            ET.SubElement(meta, f"{{{XF}}}deprecatedID").text = deprecated_id
        ET.register_namespace("", XF)
        ET.register_namespace("jr", JR)
        return instance_id, ET.tostring(data, xml_declaration=True, encoding="utf-8")

    # --- sending --------------------------------------------------------------------------------

    def submit(self, xml: bytes, attachments: Mapping[str, bytes] | None = None) -> HttpResponse:
        head = self.request("HEAD", f"{self.server_url}/submission")
        assert head.status_code == 204, head.status_code
        limit = int(head["X-OpenRosa-Accept-Content-Length"])
        assert limit > len(xml)
        parts: dict[str, object] = {
            "xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")
        }
        for name, content in (attachments or {}).items():
            parts[name] = SimpleUploadedFile(name, content, "application/octet-stream")
        return self.request("POST", f"{self.server_url}/submission", data=parts)


def public_key(xform: bytes) -> str:
    """The form's ``base64RsaPublicKey`` (the submission element's), or '' for a plain form."""
    root = ET.fromstring(xform)
    element = root.find(f"{{{H}}}head/{{{XF}}}model/{{{XF}}}submission")
    return (element.get("base64RsaPublicKey") or "") if element is not None else ""


def encrypted(
    xform: bytes, instance_id: str, xml: bytes, media: Mapping[str, bytes]
) -> tuple[bytes, dict[str, bytes]]:
    """What Collect sends for an encrypted form: the manifest as ``xml_submission_file`` and the
    ``.enc`` files as attachments (``collect_crypto`` encrypts as Collect does)."""
    from dozor.visits.openrosa.tests.collect_crypto import encrypt_like_collect

    primary = ET.fromstring(xform).find(f"{{{H}}}head/{{{XF}}}model/{{{XF}}}instance")
    assert primary is not None
    data = next(iter(primary))
    files = encrypt_like_collect(
        xml,
        form_id=data.get("id", ""),
        version=data.get("version"),
        instance_id=instance_id,
        public_key_b64=public_key(xform),
        media=dict(media),
    )
    manifest = files.pop("submission.xml")
    return manifest, files


def message(response: HttpResponse) -> str:
    """The text of an OpenRosaResponse."""
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{RESPONSE}}}OpenRosaResponse"
    return root.findtext(f"{{{RESPONSE}}}message") or ""
