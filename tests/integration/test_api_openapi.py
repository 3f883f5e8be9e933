"""The REST API against its own contract: api/openapi.json, served by a live gslbd, walked route by
route.

One gslbd (`--roles dns,api`) runs on a database holding a small document (a zone, a check, a
service with two members). The test fetches GET /v1/openapi.json, checks it is the file of the
source tree, and then sends every documented operation with real resource names: GETs as they
are, writes with a minimal body built from the schema's required properties (or the resource
echoed back for PUT and PATCH), DELETEs on throwaway resources the walk created first. Every
answer must carry a documented status (never 404 or 405), JSON where JSON is documented, and a
2xx body must hold the documented schema's required properties, types and enums (a small
recursive checker below, stdlib only). Undocumented paths must get 404 and a documented path
with a wrong method 405 with an Allow header, both as JSON errors.
"""

import copy
import http.client
import json
import os
import re
import shutil
import tempfile
import time
import unittest
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # also runnable as tests/integration/test_api_openapi.py

import harness  # noqa: E402
from gslb_util import Db, apply, write_doc  # noqa: E402

SOURCE_DIR = os.environ.get("GSLBD_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
OPENAPI_PATH = os.path.join(SOURCE_DIR, "api", "openapi.json")
API_MD_PATH = os.path.join(SOURCE_DIR, "api", "API.md")

METHODS = ("get", "put", "post", "patch", "delete")

ZONE = "api.test"
CHECK = "web"
SERVICE = "app.api.test"
MEMBER = "m1"
AGENT = "walker"

DOC = {
    "zones": [{
        "name": ZONE, "ttl": 300,
        "soa": {"mname": "ns1", "rname": "hostmaster", "serial": 1},
        "ns": ["ns1.api.test."],
        "records": [{"name": "ns1", "type": "A", "data": "127.0.0.1"},
                    {"name": "static", "type": "A", "ttl": 120, "data": "192.0.2.250"}],
    }],
    "checks": [{"name": CHECK, "type": "http", "port": 80, "path": "/health",
                "interval_ms": 1000, "timeout_ms": 500}],
    "services": [{
        "name": SERVICE, "policy": "weighted", "ttl": 30, "check": CHECK,
        "members": [{"name": MEMBER, "address": "192.0.2.1"},
                    {"name": "m2", "address": "192.0.2.2", "weight": 2, "region": "eu"}],
    }],
}

# What the walk's POSTs create (and its DELETEs remove), by the collection they are posted to.
THROWAWAY = {
    "/v1/zones": {"name": "walk.test"},
    "/v1/zones/{zone}/records": {"name": "walk-rec"},
    "/v1/checks": {"name": "walk-check"},
    "/v1/services": {"name": "walk." + ZONE},
    "/v1/services/{service}/members": {"name": "walk-m", "address": "192.0.2.99"},
}

# The bulk operations' selections (POST /v1/drain runs before POST /v1/enable undoes it).
BULK = {"/v1/drain": {"region": "eu"}, "/v1/enable": {"region": "eu"}}

# Values for the query parameters the walk sends (every one it has a value for).
QUERY_VALUES = {"dry_run": "true", "limit": "5", "name": SERVICE, "type": "A",
                "client": "198.51.100.7"}


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

class Answer:
    def __init__(self, method, target, sent, status, headers, body):
        self.method, self.target, self.sent = method, target, sent
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name)

    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def transcript(self):
        text = "%s %s" % (self.method, self.target)
        if self.sent is not None:
            text += "\n> " + self.sent.decode("utf-8", "replace")[:2000]
        text += "\n< %s\n" % self.status
        text += "".join("< %s: %s\n" % (k, v) for k, v in self.headers.items())
        return text + "< " + self.body.decode("utf-8", "replace")[:3000]


def http_request(port, method, target, body=None, headers=None, timeout=10):
    """One request on its own connection. body: a JSON-able value (sent as application/json) or
    bytes (sent as is)."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if isinstance(body, bytes):
            data = body
        else:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=timeout)
    try:
        conn.request(method, target, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        return Answer(method, target, data, r.status, r.msg, payload)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# The OpenAPI document
# --------------------------------------------------------------------------------------------

def resolve(spec, node):
    """Follows $ref (local ones) until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("non-local $ref %r" % ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        if seen > 50:
            raise ValueError("$ref loop at %r" % ref)
    return node


def operations(spec):
    """(path, method, operation) for every documented operation."""
    out = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                out.append((path, method, item[method]))
    return out


def parameters(spec, path, op):
    """The operation's parameters (the path item's, overridden by the operation's), resolved."""
    params = {}
    for p in spec["paths"][path].get("parameters", []) + op.get("parameters", []):
        p = resolve(spec, p)
        params[(p["name"], p["in"])] = p
    return list(params.values())


def api_md_routes(text):
    """(method, path) of every row of API.md's resources table."""
    routes = set()
    for line in text.splitlines():
        m = re.match(r"\|\s*`(GET|POST|PUT|PATCH|DELETE)\s+([^`\[?]+)", line)
        if m:
            routes.add((m.group(1).lower(), m.group(2).strip()))
    return routes


def schema_errors(spec, schema, value, where="$"):
    """Problems of `value` against `schema` (type, nullable, enum, required, properties, items,
    minimum/maximum, oneOf, allOf); an answer's view, so readOnly properties count."""
    schema = resolve(spec, schema)
    errors = []
    for sub in schema.get("allOf", []):
        errors += schema_errors(spec, sub, value, where)
    if value is None:
        if not schema.get("nullable") and ("type" in schema or "oneOf" in schema):
            errors.append("%s: null, but not nullable" % where)
        return errors
    if "oneOf" in schema:
        results = [schema_errors(spec, sub, value, where) for sub in schema["oneOf"]]
        matched = [r for r in results if not r]
        if len(matched) != 1:
            errors.append("%s: matches %d of oneOf's %d schemas, not exactly 1 (%s)" % (
                where, len(matched), len(results),
                "; ".join(e for r in results for e in r[:2]) or "matches several"))
    t = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if t is not None and not checks[t](value):
        errors.append("%s: expected %s, got %s" % (where, t, json.dumps(value)[:80]))
        return errors
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %s not in %s" % (where, json.dumps(value)[:80], schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s: %s below minimum %s" % (where, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s: %s above maximum %s" % (where, value, schema["maximum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: required property %r missing" % (where, key))
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += schema_errors(spec, sub, value[key], "%s.%s" % (where, key))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(spec, schema["items"], item, "%s[%d]" % (where, i))
    return errors


def writable_properties(spec, schema):
    """{name: schema} of the properties a request may carry (readOnly ones left out), through
    $ref, allOf and oneOf (the union of the alternatives)."""
    schema = resolve(spec, schema)
    props = {}
    for sub in schema.get("allOf", []) + schema.get("oneOf", []):
        props.update(writable_properties(spec, sub))
    for key, sub in schema.get("properties", {}).items():
        if not resolve(spec, sub).get("readOnly"):
            props[key] = sub
    return props


def minimal_value(spec, schema, overrides=None):
    """The smallest request value the schema accepts: an object gets its required, writable
    properties (from their examples where given), then `overrides`."""
    schema = resolve(spec, schema)
    if "example" in schema and not overrides:
        return copy.deepcopy(schema["example"])
    if "oneOf" in schema:
        return minimal_value(spec, schema["oneOf"][0], overrides)
    if "allOf" in schema:
        out = {}
        for sub in schema["allOf"]:
            out.update(minimal_value(spec, sub))
        out.update(overrides or {})
        return out
    t = schema.get("type")
    if t == "object" or "properties" in schema:
        out = {}
        for key in schema.get("required", []):
            sub = resolve(spec, schema["properties"][key])
            if not sub.get("readOnly"):
                out[key] = minimal_value(spec, sub)
        out.update(copy.deepcopy(overrides or {}))
        return out
    if "enum" in schema:
        return schema["enum"][0]
    if t == "array":
        return [minimal_value(spec, schema["items"]) for _ in range(schema.get("minItems", 0))]
    if t in ("integer", "number"):
        return schema.get("minimum", 0)
    if t == "boolean":
        return False
    return "x" * max(1, schema.get("minLength", 1))


def echo_body(spec, schema, resource):
    """`resource` (an answer) cut down to what the request schema lets a client write: readOnly
    and unknown keys dropped, and nulls where the property is not nullable."""
    props = writable_properties(spec, schema)
    if not props:
        return copy.deepcopy(resource)
    out = {}
    for key, value in resource.items():
        if key not in props:
            continue
        if value is None and not resolve(spec, props[key]).get("nullable"):
            continue
        out[key] = copy.deepcopy(value)
    return out


def media(spec, response):
    """The response's content map (media type -> schema), resolved."""
    response = resolve(spec, response)
    return {k: v.get("schema") for k, v in response.get("content", {}).items()}


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------

class TestOpenApiContract(harness.GslbdTestCase):
    """gslbd with the DNS and API roles on a database holding DOC."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gslbd-api-")
        cls.server = None
        try:
            cls.db_path = os.path.join(cls.tmp, "gslb.db")
            doc_path = write_doc(DOC, cls.tmp, "doc.json")
            r = apply(cls.db_path, doc_path)
            if r.returncode != 0:
                raise RuntimeError("apply failed:\n" + r.transcript)
            db = Db(cls.db_path)
            try:
                cls.member_ids = {m: db.member_id(SERVICE, m) for m in (MEMBER, "m2")}
            finally:
                db.close()
            with open(OPENAPI_PATH) as f:
                cls.source_spec = json.load(f)
            cls._start()
        except BaseException:
            if cls.server is not None:
                cls.server.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def _start(cls):
        last = ""
        for _attempt in range(4):
            cls.api_port = harness.free_port()
            server = harness.GslbdServer(
                (), ("--db", cls.db_path, "--roles", "dns,api",
                     "--api", "%s:%d" % (harness.HOST, cls.api_port), "--api-insecure-loopback"))
            try:
                server.start()
            except RuntimeError as e:
                last = str(e)
                server.stop()
                continue
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and server.alive():
                try:
                    if http_request(cls.api_port, "GET", "/healthz", timeout=2).status == 200:
                        cls.server = server
                        cls.port = server.port
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            last = "the API did not answer /healthz within 10 s:\n" + server.stderr_text()
            server.stop()
        raise RuntimeError("gslbd with the API role did not start: " + last)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # Helpers -------------------------------------------------------------------------------
    def request(self, method, target, body=None, headers=None):
        a = http_request(self.api_port, method, target, body, headers)
        self._last_tool_output = a.transcript()
        return a

    def served_spec(self):
        a = self.request("GET", "/v1/openapi.json")
        self.assertEqual(a.status, 200)
        self.assertEqual(a.content_type(), "application/json")
        return a.json()

    def assert_json_error(self, a, status, code):
        self.assertEqual(a.status, status)
        self.assertEqual(a.content_type(), "application/json")
        body = a.json()
        self.assertEqual(schema_errors(self.source_spec, {"$ref": "#/components/schemas/Error"},
                                       body), [])
        self.assertEqual(body["error"], code)
        self.assertIsInstance(body["message"], str)
        self.assertTrue(body["message"])
        self.assertIn("field", body)

    def assert_documented_answer(self, spec, op, a):
        """The status is documented, and the body is what that response documents."""
        responses = op["responses"]
        self.assertIn(str(a.status), responses,
                      "status %d is not a documented response of %s (%s)" % (
                          a.status, op["operationId"], sorted(responses)))
        content = media(spec, responses[str(a.status)])
        if not content:
            self.assertEqual(a.body, b"", "%d documents no body" % a.status)
            return None
        self.assertIn(a.content_type(), content, "Content-Type %r, documented %s" % (
            a.header("Content-Type"), sorted(content)))
        schema = content[a.content_type()]
        if a.content_type() != "application/json":
            self.assertTrue(a.body, "empty %s body" % a.content_type())
            return a.body.decode("utf-8")
        try:
            body = a.json()
        except ValueError as e:
            self.fail("the answer is not JSON: %s" % e)
        if schema is not None:
            problems = schema_errors(spec, schema, body)
            self.assertEqual(problems, [], "the answer does not hold its documented schema")
        return body

    def target(self, spec, path, op, values):
        """path with its parameters filled from `values`, plus every query parameter we have a
        value for (the required ones must be there)."""
        out = path
        query = []
        for p in parameters(spec, path, op):
            if p["in"] == "path":
                self.assertIn(p["name"], values, "no value for {%s} of %s" % (p["name"], path))
                out = out.replace("{%s}" % p["name"],
                                  urllib.parse.quote(str(values[p["name"]]), safe=""))
            elif p["in"] == "query":
                if p["name"] in QUERY_VALUES:
                    query.append((p["name"], QUERY_VALUES[p["name"]]))
                else:
                    self.assertFalse(p.get("required"), "no value for required ?%s" % p["name"])
        self.assertNotIn("{", out)
        return out + ("?" + urllib.parse.urlencode(query) if query else "")

    def observations_body(self):
        return {"region": "test",
                "observations": [{"member_id": self.member_ids[MEMBER], "up": True,
                                  "rtt_us": 1500, "detail": "walk"}]}

    # Tests ---------------------------------------------------------------------------------
    def catalogue(self):
        a = self.request("GET", "/v1/catalogue")
        self.assertEqual(a.status, 200)
        return a.json()

    def test_0_served_document_is_the_source_file(self):
        # The source marks with "x-catalogue" where names and keys come from the plug-in
        # catalogue; everything else is served as written.
        spec = self.served_spec()
        policy_keys = {k["name"] for p in self.catalogue()["policies"] for k in p["keys"]}

        def unfilled(node):
            if isinstance(node, list):
                return [unfilled(v) for v in node]
            if not isinstance(node, dict):
                return node
            out = {k: unfilled(v) for k, v in node.items()}
            what = node.get("x-catalogue")
            if what in ("policies", "probe-types"):
                out.pop("enum", None)
            elif what == "probe-options":
                out.pop("properties", None)
                out.pop("additionalProperties", None)
            elif what == "policy-keys":
                out["properties"] = {k: v for k, v in out["properties"].items()
                                     if k not in policy_keys}
            return out

        self.assertEqual(unfilled(spec), self.source_spec,
                         "GET /v1/openapi.json differs from %s" % OPENAPI_PATH)
        self.assertEqual(spec["openapi"], "3.0.3")
        self.assertEqual(spec["info"]["title"], "gslbd API")

    def test_0_document_is_well_formed(self):
        spec = self.source_spec

        def refs(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "$ref":
                        yield v
                    else:
                        yield from refs(v)
            elif isinstance(node, list):
                for v in node:
                    yield from refs(v)

        for ref in refs(spec):
            with self.subTest(ref=ref):
                resolve(spec, {"$ref": ref})
        ids = [op["operationId"] for _p, _m, op in operations(spec)]
        self.assertEqual(len(ids), len(set(ids)), "operationIds are not unique")
        for path, method, op in operations(spec):
            with self.subTest(op="%s %s" % (method.upper(), path)):
                named = set(re.findall(r"\{(\w+)\}", path))
                declared = {p["name"] for p in parameters(spec, path, op) if p["in"] == "path"}
                self.assertEqual(named, declared)
                self.assertTrue(any(s.startswith("2") for s in op["responses"]))
                public = path in ("/healthz", "/readyz", "/v1/openapi.json", "/v1/catalogue",
                                  "/ui/ui.css", "/ui/ui.js")
                self.assertEqual(op.get("security") == [], public,
                                 "security: [] exactly on the public routes")

    def test_0_catalogue_fills_the_enums_and_keys(self):
        spec, cat = self.served_spec(), self.catalogue()
        schemas = spec["components"]["schemas"]
        policies = [p["name"] for p in cat["policies"]]
        types = [t["type"] for t in cat["probe_types"]]
        for name in ("Service", "ServiceSettings", "ServicePatch"):
            with self.subTest(schema=name):
                self.assertEqual(schemas[name]["properties"]["policy"]["enum"], policies)
                for p in cat["policies"]:
                    for k in p["keys"]:
                        prop = schemas[name]["properties"][k["name"]]
                        self.assertEqual(prop["type"], k["type"])
                        self.assertEqual(prop.get("default"), k.get("default"))
        for name in ("Check", "CheckPatch"):
            with self.subTest(schema=name):
                self.assertEqual(schemas[name]["properties"]["type"]["enum"], types)
                options = schemas[name]["properties"]["options"]
                self.assertEqual(set(options["properties"]),
                                 {k["name"] for t in cat["probe_types"] for k in t["options"]})
                self.assertFalse(options["additionalProperties"])
        self.assertIn("rtt", policies)
        self.assertIn("dns", types)

    def test_0_document_lists_exactly_api_md_routes(self):
        if not os.path.exists(API_MD_PATH):
            self.skipTest("no api/API.md")
        with open(API_MD_PATH) as f:
            routes = api_md_routes(f.read())
        self.assertTrue(routes)
        documented = {(m, p) for p, m, _op in operations(self.source_spec)}
        self.assertEqual(sorted(routes - documented), [], "routes of API.md not documented")
        self.assertEqual(sorted(documented - routes), [], "documented routes not in API.md")

    def test_1_walk_every_operation(self):
        spec = self.served_spec()
        real = {"zone": ZONE, "service": SERVICE, "member": MEMBER, "check": CHECK,
                "agent": AGENT}
        throwaway = {}  # path parameter -> the value a POST of the walk created

        def phase(item):
            path, method, _op = item
            if method == "post" and path.endswith("/observations"):
                return (0, 0, path)  # first: makes the agent known to the GETs
            if method == "get":
                return (1, 0, path)
            if method == "post":
                return (2, 0, path)
            if method in ("put", "patch"):
                return (3, 0, path)
            return (4, -path.count("/"), path)  # deletes last, children first

        walked = []
        for path, method, op in sorted(operations(spec), key=phase):
            name = "%s %s" % (method.upper(), path)
            with self.subTest(op=name):
                values = dict(real)
                if method == "delete":
                    last = re.findall(r"\{(\w+)\}", path)[-1]
                    if last not in throwaway:
                        self.fail("nothing to delete: the POST that creates {%s} failed" % last)
                    values[last] = throwaway[last]
                target = self.target(spec, path, op, values)
                body = None
                if "requestBody" in op:
                    schema = media(spec, op["requestBody"])["application/json"]
                    if method == "post" and path.endswith("/observations"):
                        body = self.observations_body()
                    elif method == "post" and path in BULK:
                        body = BULK[path]
                    elif method == "post":
                        self.assertIn(path, THROWAWAY, "a POST the walk does not know")
                        body = minimal_value(spec, schema, THROWAWAY[path])
                    else:
                        current = self.request("GET", target.split("?")[0])
                        self.assertEqual(current.status, 200, "GET of what %s writes" % name)
                        body = echo_body(spec, schema, current.json())
                a = self.request(method.upper(), target, body)
                walked.append("%s -> %d" % (name, a.status))
                self.assertNotIn(a.status, (404, 405), "a documented route")
                answer = self.assert_documented_answer(spec, op, a)
                if path != "/readyz":
                    self.assertTrue(200 <= a.status < 300,
                                    "a valid request got %d, not a 2xx" % a.status)
                if method == "post" and path in THROWAWAY and a.status == 201:
                    child = [p for p in spec["paths"] if re.fullmatch(
                        re.escape(path) + r"/\{\w+\}", p)]
                    self.assertEqual(len(child), 1, "the item path under %s" % path)
                    param = re.findall(r"\{(\w+)\}", child[0])[-1]
                    if param == "id":
                        listing = self.request("GET", target).json()["records"]
                        ids = [r["id"] for r in listing
                               if r["name"].split(".")[0] == THROWAWAY[path]["name"]]
                        self.assertEqual(len(ids), 1, "the posted record in %r" % listing)
                        if isinstance(answer, dict) and "id" in answer:
                            self.assertEqual(answer["id"], ids[0])
                        throwaway[param] = ids[0]
                    else:
                        throwaway[param] = THROWAWAY[path]["name"]
                if path == "/v1/config" and method == "put":
                    self.assertIs(answer["dry_run"], True)
                    self.assertEqual(answer["changes"], [],
                                     "the current document applied again changes nothing")
        sys.stderr.write("\nwalked: " + "; ".join(walked) + "\n")
        self.assertEqual(len(walked), len(operations(spec)))
        # The DELETEs removed what the POSTs created.
        for path, fields in THROWAWAY.items():
            if path.endswith("/records"):
                continue
            with self.subTest(gone=path):
                item = [p for p in spec["paths"] if re.fullmatch(re.escape(path) + r"/\{\w+\}",
                                                                 p)][0]
                values = dict(real)
                values[re.findall(r"\{(\w+)\}", item)[-1]] = fields["name"]
                a = self.request("GET", self.target(spec, item, spec["paths"][item]["get"],
                                                    values))
                self.assert_json_error(a, 404, "not_found")

    def test_2_agent_checks_etag_and_304(self):
        a = self.request("POST", "/v1/agents/%s/observations" % AGENT, self.observations_body())
        self.assertEqual(a.status, 200)
        a = self.request("GET", "/v1/agents/%s/checks" % AGENT)
        self.assertEqual(a.status, 200)
        etag = a.header("ETag")
        self.assertTrue(etag, "no ETag on the check list")
        self.assertIn(str(a.json()["generation"]), etag)
        a = self.request("GET", "/v1/agents/%s/checks" % AGENT, headers={"If-None-Match": etag})
        self.assertEqual(a.status, 304)
        self.assertEqual(a.body, b"")

    def test_3_undocumented_paths_are_404(self):
        for target in ("/v1/nope", "/v1/zones/x/y/z", "/v2/zones", "/v1/zones/%s/nope" % ZONE):
            for method in ("GET", "DELETE"):
                with self.subTest(request="%s %s" % (method, target)):
                    self.assert_json_error(self.request(method, target), 404, "not_found")

    def test_4_wrong_method_is_405_with_allow(self):
        spec = self.source_spec
        a = self.request("DELETE", "/v1/zones")
        self.assert_json_error(a, 405, "method_not_allowed")
        allow = {m.strip().upper() for m in (a.header("Allow") or "").split(",") if m.strip()}
        self.assertTrue({"GET", "POST"} <= allow, "Allow: %r" % a.header("Allow"))
        values = {"zone": ZONE, "service": SERVICE, "member": MEMBER, "check": CHECK,
                  "agent": AGENT, "id": 1}
        for path, item in spec["paths"].items():
            documented = {m.upper() for m in METHODS if m in item}
            filled = path
            for name, value in values.items():
                filled = filled.replace("{%s}" % name, urllib.parse.quote(str(value), safe=""))
            for method in sorted({m.upper() for m in METHODS} - documented):
                with self.subTest(request="%s %s" % (method, path)):
                    body = {} if method in ("PUT", "POST", "PATCH") else None
                    a = self.request(method, filled, body)
                    self.assert_json_error(a, 405, "method_not_allowed")
                    allow = {m.strip().upper() for m in (a.header("Allow") or "").split(",")
                             if m.strip()}
                    self.assertTrue(documented <= allow, "Allow: %r" % a.header("Allow"))
                    self.assertEqual(allow - documented - {"HEAD", "OPTIONS"}, set(),
                                     "Allow: %r" % a.header("Allow"))
        # Nothing was changed by the refused requests.
        self.assertEqual(self.request("GET", "/v1/zones/%s" % ZONE).status, 200)
        self.assertEqual(self.request("GET", "/v1/services/%s" % SERVICE).status, 200)


if __name__ == "__main__":
    unittest.main()
