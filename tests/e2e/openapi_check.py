"""A small checker of JSON values against the schemas of an OpenAPI 3.1 document (the subset
web/openapi.json uses: $ref, allOf, oneOf, type, enum, const, properties, required,
additionalProperties, items, pattern, minimum, maximum). A keyword it does not know is an error,
so the document cannot grow past what is checked. Used by test_web_api.py to check every
response of the REST API against the document the server publishes."""
import re

KNOWN = {"$ref", "allOf", "oneOf", "type", "enum", "const", "properties", "required",
         "additionalProperties", "items", "pattern", "minimum", "maximum",
         # annotations, nothing to check
         "description", "format", "default", "discriminator", "title"}


class OpenApi:
    def __init__(self, doc):
        self.doc = doc
        self.called = set()  # (method, template) of every response checked

    def resolve(self, schema):
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError("external $ref %s" % ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def operation(self, method, path):
        """(template, operation) of a concrete path such as /api/v1/cases/3, or (None, None)."""
        parts = path.split("/")
        for template, item in self.doc["paths"].items():
            tparts = template.split("/")
            if len(tparts) != len(parts):
                continue
            if all(t == p or (t.startswith("{") and t.endswith("}")) for t, p in zip(tparts, parts)):
                op = item.get(method.lower())
                return (template, op) if op else (template, None)
        return None, None

    def check_response(self, method, path, status, content_type, body):
        """Errors (list of text) of one response against the document."""
        template, op = self.operation(method, path)
        if template is None:
            return ["%s %s: no such path in the document" % (method, path)]
        if op is None:
            # A 405 of a documented path: problem details, checked against Problem.
            if status == 405:
                schema = {"$ref": "#/components/schemas/Problem"}
                return self.validate(body, schema, "%s %s 405" % (method, path))
            return ["%s %s: the document has no %s for this path" % (method, path, method)]
        self.called.add((method.upper(), template))
        response = op["responses"].get(str(status))
        if response is None:
            return ["%s %s: status %d is not documented" % (method, template, status)]
        response = self.resolve(response)
        media = (content_type or "").split(";")[0].strip()
        content = response.get("content", {})
        if media not in content:
            return ["%s %s %d: content type %r is not documented (%s)"
                    % (method, template, status, media, ", ".join(content))]
        return self.validate(body, content[media]["schema"], "%s %s %d" % (method, template, status))

    def validate(self, value, schema, where):
        errors = []
        self._check(value, schema, where, errors)
        return errors

    def _check(self, value, schema, at, errors):
        schema = self.resolve(schema)
        if schema is True or schema == {}:
            return
        if schema is False:
            errors.append("%s: nothing is allowed here" % at)
            return
        unknown = set(schema) - KNOWN
        if unknown:
            errors.append("%s: the checker does not know %s" % (at, ", ".join(sorted(unknown))))
        if "allOf" in schema:
            for sub in schema["allOf"]:
                self._check(value, sub, at, errors)
        if "oneOf" in schema:
            matching = [sub for sub in schema["oneOf"] if not self.validate(value, sub, at)]
            if len(matching) != 1:
                errors.append("%s: matches %d of the oneOf schemas, not exactly one"
                              % (at, len(matching)))
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, t) for t in types):
                errors.append("%s: %r is not of type %s" % (at, _short(value), "/".join(types)))
                return
        if "enum" in schema and value not in schema["enum"]:
            errors.append("%s: %r is not one of %s" % (at, _short(value), schema["enum"]))
        if "const" in schema and value != schema["const"]:
            errors.append("%s: %r is not %r" % (at, _short(value), schema["const"]))
        if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append("%s: %r does not match %s" % (at, _short(value), schema["pattern"]))
        if _is_type(value, "number"):
            if "minimum" in schema and value < schema["minimum"]:
                errors.append("%s: %r < %r" % (at, value, schema["minimum"]))
            if "maximum" in schema and value > schema["maximum"]:
                errors.append("%s: %r > %r" % (at, value, schema["maximum"]))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    errors.append("%s: required member %r is missing" % (at, name))
            extra = schema.get("additionalProperties", True)
            for name, member in value.items():
                if name in props:
                    self._check(member, props[name], "%s.%s" % (at, name), errors)
                elif extra is False:
                    errors.append("%s: member %r is not in the schema" % (at, name))
                elif isinstance(extra, dict):
                    self._check(member, extra, "%s.%s" % (at, name), errors)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self._check(item, schema["items"], "%s[%d]" % (at, i), errors)


def _is_type(value, t):
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "array":
        return isinstance(value, list)
    if t == "object":
        return isinstance(value, dict)
    raise ValueError("unknown type %s" % t)


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
