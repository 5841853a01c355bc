"""Rules keeping deploy/helm/vsecm/values.schema.json in step with values.yaml. Helm validates
every install's values against that schema (`helm install`, `helm template`, `helm lint`), so
the schema decides which keys and types Helm refuses; these rules make sure it stays complete
and strict:
  * it is JSON Schema draft-07 (what Helm reads) with an object at the top;
  * every key of values.yaml is in it, with a type its default satisfies (and its enum, if
    any) and the description of the key's "# --" comment in values.yaml;
  * it has no key values.yaml lacks, at the levels that mirror values.yaml;
  * every object it defines (with properties, including list items) has
    additionalProperties: false, so a misspelt key is refused rather than ignored.
What Helm then does with the schema is tested by the fail-schema-* scenarios (real `helm template`
and `helm lint --strict`)."""

import json

import yaml

from chart_rules import comment_above

WHERE = "values.schema.json"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def _type_ok(value, types):
    if not isinstance(types, list):
        types = [types]
    for t in types:
        if t == "string" and isinstance(value, str):
            return True
        if t == "boolean" and isinstance(value, bool):
            return True
        if t == "integer" and not isinstance(value, bool) and (
                isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
            return True
        if t == "number" and not isinstance(value, bool) and isinstance(value, (int, float)):
            return True
        if t == "array" and isinstance(value, list):
            return True
        if t == "object" and isinstance(value, dict):
            return True
        if t == "null" and value is None:
            return True
    return False


def _check_closed(node, path, report):
    """Every schema object with properties refuses unknown keys; recurses into items too."""
    if not isinstance(node, dict):
        return
    if "properties" in node:
        if node.get("type") != "object":
            report.error(WHERE, f"{path or 'the top'}: has properties but type is not object")
        if node.get("additionalProperties") is not False:
            report.error(WHERE, f"{path or 'the top'}: needs additionalProperties: false "
                         "(unknown keys must be refused)")
        for key, sub in node["properties"].items():
            _check_closed(sub, f"{path}.{key}" if path else key, report)
    if isinstance(node.get("items"), dict):
        _check_closed(node["items"], f"{path}[]", report)
    if isinstance(node.get("additionalProperties"), dict):
        _check_closed(node["additionalProperties"], f"{path}.*", report)


def check_values_schema(chart, report):
    """Returns how many values.yaml keys the schema was checked against."""
    if chart.schema_text is None:
        report.error(WHERE, "missing (Helm validates values against it: every key of values.yaml, "
                     "with its type, and additionalProperties: false)")
        return 0
    try:
        schema = json.loads(chart.schema_text)
    except json.JSONDecodeError as e:
        report.error(WHERE, f"not valid JSON: {e}")
        return 0
    if not isinstance(schema, dict) or schema.get("$schema") != DRAFT_07:
        report.error(WHERE, f"$schema must be {DRAFT_07}")
        return 0
    if schema.get("type") != "object":
        report.error(WHERE, "the top must be type: object")
    _check_closed(schema, "", report)

    lines = chart.values_text.splitlines()
    checked = 0

    def walk(node, sch, prefix):
        nonlocal checked
        props = sch.get("properties") or {}
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            seen.add(key)
            path = f"{prefix}.{key}" if prefix else key
            sub = props.get(key)
            checked += 1
            if not isinstance(sub, dict):
                report.error(WHERE, f"{path} (in values.yaml) is not in the schema")
                continue
            want = comment_above(lines, key_node.start_mark.line)
            if sub.get("description") != want:
                report.error(WHERE, f"{path}: description must be values.yaml's comment {want!r}, "
                             f"found {sub.get('description')!r}")
            if "type" not in sub:
                report.error(WHERE, f"{path}: has no type")
            if isinstance(value_node, yaml.MappingNode) and value_node.value and "properties" in sub:
                walk(value_node, sub, path)
                continue
            value = yaml.safe_load(yaml.serialize(value_node))
            if "type" in sub and not _type_ok(value, sub["type"]):
                report.error(WHERE, f"{path}: the default {value!r} is not of type {sub['type']}")
            if "enum" in sub and value not in sub["enum"]:
                report.error(WHERE, f"{path}: the default {value!r} is not in its enum {sub['enum']}")
            if isinstance(value_node, yaml.MappingNode) and value_node.value:
                report.error(WHERE, f"{path}: values.yaml gives it keys; define them as properties")
        for key in sorted(set(props) - seen):
            path = f"{prefix}.{key}" if prefix else key
            report.error(WHERE, f"{path} is not in values.yaml (keep the schema in step with it)")

    root = yaml.compose(chart.values_text)
    if isinstance(root, yaml.MappingNode):
        walk(root, schema, "")
    return checked
