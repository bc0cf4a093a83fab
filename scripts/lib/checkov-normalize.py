"""Copy a synthesized cdk.tf.json into the shape checkov's terraform_json parser reads.

checkov 3.3.30 hands every top-level block, and every member of the "terraform" block, to a
function that accepts only objects ("this method receives only dicts"): a scalar such as
terraform.required_version, or the array of a top-level "moved" block, makes it report
"Failed to parse template" and scan nothing. Neither value holds a resource to check, so each
is replaced by {} followed by the newlines it spanned: every resource keeps its line number.

Usage: python checkov-normalize.py SRC DST
"""
import json
import sys


def value_spans(text, members):
    """(start, end) of each member's value, for (name, value) pairs of one object in text."""
    decoder = json.JSONDecoder()
    spans, cursor = [], 0
    for name in members:
        key = json.dumps(name, ensure_ascii=False)
        at = text.index(key, cursor) + len(key)
        at = text.index(":", at) + 1
        while text[at] in " \t\r\n":
            at += 1
        _, end = decoder.raw_decode(text, at)
        spans.append((at, end))
        cursor = end
    return spans


def normalize(text):
    doc = json.loads(text)
    spans = []
    for name, span in zip(doc, value_spans(text, doc)):
        block = doc[name]
        if not isinstance(block, dict):
            spans.append(span)
        elif name == "terraform":
            start, end = span
            inner = value_spans(text[start:end], block)
            spans += [(start + a, start + b) for k, (a, b) in zip(block, inner) if not isinstance(block[k], dict)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "{}" + "\n" * text.count("\n", start, end) + text[end:]
    return text


def main(src, dst):
    with open(src, encoding="utf-8") as fh:
        text = normalize(fh.read())
    json.loads(text)  # still JSON
    with open(dst, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main(*sys.argv[1:3])
