"""The wire format: the request envelope is PHP SoapClient's (a Map of key/value items), and
answers are read from the tree, checked against a real response envelope (fixtures/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from billingone.integrations.providers.synergy import soap
from billingone.integrations.providers.synergy.mapping import as_list, domain_record, mapping_owner
from billingone.integrations.providers.synergy.simulator import envelope

EXAMPLE = (Path(__file__).parent / "fixtures" / "listDomains_response.soap.xml").read_bytes()


def test_the_real_example_response_is_read_into_entries():
    answer = soap.parse_response(EXAMPLE, "listDomains")
    assert answer["status"] == "OK" and answer["page"] == "1" and answer["limit"] == "500"
    first, second = as_list(answer["domainList"])
    assert first["domainName"] == "example.com" and first["domain_expiry"] == "2025-01-02 03:04:05"
    assert first["nameServers"] == ["ns1.example.net", "ns2.example.net"]
    assert first["autoRenew"] == "1"
    assert first["DSData"] == [
        {"keyTag": "12345", "algorithm": "13", "digest": "0" * 63 + "1", "digestType": "2"},
    ]
    assert second == {
        "status": "ERR_DOMAIN_NOT_FOUND",
        "errorMessage": "Domain name does not exist.",
        "domainName": "missing.example",
    }


def test_the_example_entry_maps_to_a_domain_renewal_on_its_local_date():
    answer = soap.parse_response(EXAMPLE, "listDomains")
    entry = as_list(answer["domainList"])[0]
    record = domain_record(entry, mapping_owner("example.com", entry))
    assert record.renews_on.isoformat() == "2025-01-02"  # 03:04 in Melbourne is still the 2nd there
    assert record.auto_renew is True and record.kind == "domain" and record.status == "active"
    assert record.source_status == "ok" and record.billing_term == "annual"


def test_the_request_is_phps_map_of_items():
    raw = soap.request_envelope("listDomains", {"resellerID": "4567", "apiKey": "k", "page": 2, "limit": 500})
    root = etree.fromstring(raw)
    body = root.find(f"{{{soap.SOAP_ENV}}}Body")
    call = body[0]
    assert etree.QName(call).localname == "listDomains" and etree.QName(call).namespace == soap.API_NS
    (param,) = call
    assert param.get(f"{{{soap.XSI}}}type") == "ns2:Map"
    items = {item.findtext("key"): item.find("value") for item in param.findall("item")}
    assert set(items) == {"resellerID", "apiKey", "page", "limit"}
    assert items["page"].text == "2" and items["page"].get(f"{{{soap.XSI}}}type") == "xsd:int"
    assert items["apiKey"].get(f"{{{soap.XSI}}}type") == "xsd:string"
    # The simulator, which parses independently, reads the same call back.
    assert envelope.read_request(raw) == (
        "listDomains",
        {"resellerID": "4567", "apiKey": "k", "page": "2", "limit": "500"},
    )


def test_values_are_escaped_by_the_xml_library_not_spliced():
    raw = soap.request_envelope("domainInfo", {"domainName": "a<b>&c.com"})
    assert envelope.read_request(raw)[1] == {"domainName": "a<b>&c.com"}


def test_a_fault_is_returned_and_garbage_is_malformed():
    fault = soap.parse_response(envelope.fault("SOAP-ENV:Client", "Operation 'x' is not defined"), "listDomains")
    assert isinstance(fault, soap.Fault) and fault.is_client and "not defined" in fault.string
    for raw in (EXAMPLE[:300], b"<html>Bad gateway</html>", b"", b'{"status": "OK"}'):
        with pytest.raises(soap.Malformed):
            soap.parse_response(raw, "listDomains")
    with pytest.raises(soap.Malformed):  # an answer to another command is not this one's
        soap.parse_response(EXAMPLE, "listHosting")


def test_entities_are_not_expanded():
    evil = EXAMPLE.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    ).replace(b'<status xsi:type="xsd:string">OK</status>', b"<status>&e;</status>", 1)
    try:
        answer = soap.parse_response(evil, "listDomains")
    except soap.Malformed:
        return
    assert "root:" not in str(answer["status"])
