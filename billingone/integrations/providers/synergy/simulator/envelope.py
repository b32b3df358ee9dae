"""The simulator's side of the wire: reading the request envelope a SOAP client posts, and
writing NuSOAP-style rpc/encoded answers in the shape of the real example
(tests/fixtures/listDomains_response.soap.xml): typed scalars, SOAP-ENC arrays of <item>s,
structs named by their tns: type. Built with lxml, like the client."""

from __future__ import annotations

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSD = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TNS = "urn:WholesaleSystem"
API_NS = "http://api.synergywholesale.com"
ANSWER_NSMAP = {"SOAP-ENV": SOAP_ENV, "xsd": XSD, "xsi": XSI, "SOAP-ENC": SOAP_ENC, "tns": TNS}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
XSI_TYPE = f"{{{XSI}}}type"


class BadRequest(ValueError):
    """Not an envelope NuSOAP could dispatch: answered with a Client fault."""


def text_of(element) -> object:
    """A request value: Map → dict, array → list, leaf → str."""
    children = [child for child in element if isinstance(child.tag, str)]
    declared = element.get(XSI_TYPE, "").rsplit(":", 1)[-1]
    if declared == "Map":
        pairs = {}
        for item in children:
            key = item.find("key")
            value = item.find("value")
            if key is None:
                raise BadRequest("a Map item without a key")
            pairs[key.text or ""] = text_of(value) if value is not None else ""
        return pairs
    if declared == "Array" or (children and all(etree.QName(c).localname == "item" for c in children)):
        return [text_of(child) for child in children]
    if children:
        return {etree.QName(child).localname: text_of(child) for child in children}
    return element.text or ""


def read_request(raw: bytes) -> tuple[str, dict]:
    try:
        root = etree.fromstring(raw, PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"XML error parsing SOAP payload on line {exc.lineno}: {exc.msg}") from None
    body = root.find(f"{{{SOAP_ENV}}}Body") if root.tag == f"{{{SOAP_ENV}}}Envelope" else None
    if body is None:
        raise BadRequest("no SOAP-ENV:Body in the request (SOAP 1.1 envelope expected)")
    call = next((child for child in body if isinstance(child.tag, str)), None)
    if call is None:
        raise BadRequest("no operation in the SOAP Body")
    argument = next((child for child in call if isinstance(child.tag, str)), None)
    params = text_of(argument) if argument is not None else {}
    if not isinstance(params, dict):
        raise BadRequest("the operation's parameter is not an associative array (Map)")
    return etree.QName(call).localname, params


def add(parent, tag: str, value: object, item_type: str = "") -> None:
    element = etree.SubElement(parent, tag)
    if isinstance(value, list):
        inner = item_type or ("xsd:string" if all(isinstance(v, str) for v in value) else "tns:entry")
        element.set(XSI_TYPE, "SOAP-ENC:Array")
        element.set(f"{{{SOAP_ENC}}}arrayType", f"{inner}[{len(value)}]")
        for entry in value:
            add(element, "item", entry, "")
            if isinstance(entry, dict):
                element[-1].set(XSI_TYPE, inner)
    elif isinstance(value, dict):
        element.set(XSI_TYPE, item_type or "tns:entry")
        for key, inner_value in value.items():
            add(element, key, inner_value)
    elif isinstance(value, bool | int):
        element.set(XSI_TYPE, "xsd:int")
        element.text = str(int(value))
    else:
        element.set(XSI_TYPE, "xsd:string")
        element.text = str(value)


def envelope() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ANSWER_NSMAP)
    root.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    return root, etree.SubElement(root, f"{{{SOAP_ENV}}}Body")


def answer(command: str, returned: dict, return_type: str, list_types: dict[str, str] | None = None) -> bytes:
    """`<ns1:{command}Response><return xsi:type=return_type>…` with lists typed per field."""
    root, body = envelope()
    response = etree.SubElement(body, f"{{{API_NS}}}{command}Response", nsmap={"ns1": API_NS})
    value = etree.SubElement(response, "return")
    value.set(XSI_TYPE, return_type)
    for key, inner in returned.items():
        add(value, key, inner, (list_types or {}).get(key, ""))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault(code: str, message: str) -> bytes:
    root, body = envelope()
    element = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultactor").text = ""
    etree.SubElement(element, "faultstring").text = message
    etree.SubElement(element, "detail")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
