"""Synergy Wholesale's wire format: SOAP 1.1 rpc/encoded, as its official PHP modules send it.

The modules call PHP's `SoapClient(null, ['location' => …, 'uri' => …])` with one associative
array, which PHP encodes as an Apache `Map` (`ns2:Map`) of `<item><key/><value/></item>`. The
answers are NuSOAP rpc/encoded structs: `<ns1:listDomainsResponse><return xsi:type=…>` whose
arrays are `SOAP-ENC:Array`s of `<item>`s (PROVIDERS.md §6.2, tests/fixtures/ holds a real one).

Both directions go through lxml: elements are built and read as a tree, never by string search.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
APACHE_SOAP = "http://xml.apache.org/xml-soap"
API_NS = "http://api.synergywholesale.com"
TYPES_NS = "urn:WholesaleSystem"
REQUEST_NSMAP = {"SOAP-ENV": SOAP_ENV, "ns1": API_NS, "xsd": XSD, "xsi": XSI, "ns2": APACHE_SOAP, "SOAP-ENC": SOAP_ENC}
# Answers come from the network: no DTDs, no entities, no network access, bounded trees.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Malformed(ValueError):
    """The body is not a SOAP envelope we can read (truncated, not XML, no Body)."""


@dataclass(frozen=True)
class Fault:
    code: str  # "SOAP-ENV:Client" or "SOAP-ENV:Server" (prefix as sent)
    string: str

    @property
    def is_client(self) -> bool:
        return self.code.rsplit(":", 1)[-1].lower().startswith("client")


def xsi(name: str) -> str:
    return f"{{{XSI}}}{name}"


def scalar_type(value: object) -> str:
    if isinstance(value, bool):
        return "xsd:boolean"
    if isinstance(value, int):
        return "xsd:int"
    return "xsd:string"


def add_value(parent: etree._Element, tag: str, value: object) -> None:
    """One encoded value: a list becomes a SOAP-ENC:Array of items, a scalar a typed string."""
    element = etree.SubElement(parent, tag)
    if isinstance(value, list | tuple):
        element.set(xsi("type"), "SOAP-ENC:Array")
        element.set(f"{{{SOAP_ENC}}}arrayType", f"xsd:string[{len(value)}]")
        for entry in value:
            add_value(element, "item", entry)
        return
    element.set(xsi("type"), scalar_type(value))
    element.text = str(int(value)) if isinstance(value, bool) else str(value)


def request_envelope(command: str, params: dict[str, object]) -> bytes:
    """The envelope PHP's non-WSDL SoapClient sends for `$client->command($params)`."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=REQUEST_NSMAP)
    envelope.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    call = etree.SubElement(body, f"{{{API_NS}}}{command}")
    param = etree.SubElement(call, "param0")
    param.set(xsi("type"), "ns2:Map")
    for key, value in params.items():
        item = etree.SubElement(param, "item")
        add_value(item, "key", key)
        add_value(item, "value", value)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def is_array(element: etree._Element) -> bool:
    declared = element.get(xsi("type"), "")
    return (
        local_type(declared) == "Array"
        or element.get(f"{{{SOAP_ENC}}}arrayType") is not None
        or (len(element) > 0 and all(local(child.tag) == "item" for child in element) and not is_map(element))
    )


def is_map(element: etree._Element) -> bool:
    return local_type(element.get(xsi("type"), "")) == "Map"


def local_type(declared: str) -> str:
    return declared.rsplit(":", 1)[-1]


def decode(element: etree._Element) -> object:
    """An encoded value as Python: Map → dict, Array → list, struct → dict, leaf → str (None
    when nil). Types stay strings: the mapping reads "1", "on" and "2025-01-02" itself."""
    if element.get(xsi("nil")) in ("true", "1"):
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if is_map(element):
        return {str(decode_child(item, "key")): decode_child(item, "value") for item in children}
    if is_array(element):
        return [decode(child) for child in children]
    if not children:
        return element.text or ""
    return {local(child.tag): decode(child) for child in children}


def decode_child(item: etree._Element, name: str) -> object:
    found = next((child for child in item if local(child.tag) == name), None)
    return None if found is None else decode(found)


def parse_envelope(raw: bytes) -> etree._Element:
    """The Body element of a SOAP envelope; Malformed when it is not one."""
    try:
        root = etree.fromstring(raw, PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Malformed(f"not well-formed XML ({str(exc)[:120]})") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise Malformed("the root element is not a SOAP 1.1 Envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise Malformed("the envelope has no Body")
    return body


def fault_of(body: etree._Element) -> Fault | None:
    fault = body.find(f"{{{SOAP_ENV}}}Fault")
    if fault is None:
        return None
    code = fault.findtext("faultcode") or ""
    text = fault.findtext("faultstring") or ""
    return Fault(code.strip(), " ".join(text.split()))


def parse_response(raw: bytes, command: str) -> dict | Fault:
    """The decoded `return` struct of `<command>Response`, or the Fault the server sent."""
    body = parse_envelope(raw)
    fault = fault_of(body)
    if fault is not None:
        return fault
    answer = next((child for child in body if isinstance(child.tag, str)), None)
    if answer is None or local(answer.tag) != f"{command}Response":
        raise Malformed(f"the Body holds no {command}Response")
    returned = next((child for child in answer if isinstance(child.tag, str)), None)
    if returned is None:
        raise Malformed(f"{command}Response has no return value")
    value = decode(returned)
    if not isinstance(value, dict):
        raise Malformed(f"{command}Response's return value is not a struct")
    return value


def parse_request(raw: bytes) -> tuple[str, dict[str, object]]:
    """(command, params) of a request envelope (the simulator's side): the call element's name
    and its one Map (or struct) argument."""
    body = parse_envelope(raw)
    call = next((child for child in body if isinstance(child.tag, str)), None)
    if call is None:
        raise Malformed("the Body holds no call")
    argument = next((child for child in call if isinstance(child.tag, str)), None)
    params = decode(argument) if argument is not None else {}
    if not isinstance(params, dict):
        raise Malformed("the call's argument is not a Map of parameters")
    return local(call.tag), params
